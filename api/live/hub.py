"""The fan-out: one Kafka feed per API process, any number of open streams.

Each stream is a bounded queue and an actor; publishing an event costs one visibility
check per stream and never waits on a slow client (a full queue is dropped and the
stream told to reset instead). The last events are kept in a ring, numbered within this
process's epoch, so a client that reconnects with Last-Event-ID gets what it missed, or
a reset when the gap is no longer in the ring (or the process restarted).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from domain.access import can_view_request
from domain.lifecycle import Actor
from domain.requests import RequestView

RING_SIZE = 2048
QUEUE_SIZE = 256


@dataclass(frozen=True)
class LiveEvent:
    epoch: str
    seq: int
    type: str
    occurred_at: str
    view: RequestView
    previous_assignee_id: str | None

    @property
    def id(self) -> str:
        return f"{self.epoch}:{self.seq}"

    def visible_to(self, actor: Actor) -> bool:
        return can_view_request(actor, self.view.customer_id, self.view.assignee_id)

    def gone_for(self, actor: Actor) -> bool:
        """The actor could see the request until this event and no longer can."""
        return (
            self.previous_assignee_id is not None
            and self.previous_assignee_id == actor.id
            and not self.visible_to(actor)
        )

    def concerns(self, actor: Actor) -> bool:
        return self.visible_to(actor) or self.gone_for(actor)


@dataclass(eq=False)
class Stream:
    """What one open connection has still to send: the events it missed before it
    opened, then the live ones; or a reset, when what it missed cannot be sent."""

    actor: Actor
    replay: deque[LiveEvent] = field(default_factory=deque)
    queue: deque[LiveEvent] = field(default_factory=deque)
    # The position a reset resumes from: the client refetches, then continues here.
    reset_to: str | None = None
    # The server is shutting down: the connection ends, and the client reconnects.
    ended: bool = False
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, event: LiveEvent) -> None:
        if not event.concerns(self.actor):
            return
        if len(self.queue) >= QUEUE_SIZE:
            # This client fell behind: what it has not read is replaced by a refetch.
            self.reset(event.id)
        else:
            self.queue.append(event)
            self._wake.set()

    def reset(self, position: str) -> None:
        self.replay.clear()
        self.queue.clear()
        self.reset_to = position
        self._wake.set()

    def end(self) -> None:
        self.ended = True
        self._wake.set()

    def take_reset(self) -> str | None:
        position, self.reset_to = self.reset_to, None
        return position

    def pop(self) -> LiveEvent | None:
        if self.replay:
            return self.replay.popleft()
        if self.queue:
            return self.queue.popleft()
        return None

    async def wait(self, timeout_s: float) -> bool:
        """Until there is something to send (True) or the timeout passes (False). Call
        it only after `pop` found nothing, with no await in between."""
        self._wake.clear()
        try:
            async with asyncio.timeout(timeout_s):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True


class LiveHub:
    def __init__(self) -> None:
        self.epoch = secrets.token_hex(4)
        self._seq = 0
        self._ring: deque[LiveEvent] = deque(maxlen=RING_SIZE)
        self._streams: set[Stream] = set()
        self._shut = False

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    @property
    def position(self) -> str:
        """The id of the last event published (or of none yet) in this epoch."""
        return f"{self.epoch}:{self._seq}"

    def publish(
        self,
        event_type: str,
        occurred_at: str,
        view: RequestView,
        previous_assignee_id: str | None = None,
    ) -> LiveEvent:
        """`previous_assignee_id`: the executor this event took the request from, as
        the event itself says, so that they hear it is gone."""
        self._seq += 1
        event = LiveEvent(
            self.epoch, self._seq, event_type, occurred_at, view, previous_assignee_id
        )
        self._ring.append(event)
        for stream in self._streams:
            stream.offer(event)
        return event

    def new_epoch(self) -> None:
        """Events may have been lost (the feed reconnected at the latest offsets): the
        positions handed out so far mean nothing any more, and every open stream is told
        to refetch."""
        self.epoch = secrets.token_hex(4)
        self._seq = 0
        self._ring.clear()
        for stream in self._streams:
            stream.reset(self.position)

    def open(self, actor: Actor, last_event_id: str | None = None) -> Stream:
        """A stream for the actor, with what it missed after `last_event_id` to send
        first. Taken in one step, with no await: every event is either in the replay
        or offered to the stream afterwards, never both, never neither."""
        stream = Stream(actor)
        if last_event_id:
            missed = self.missed_since(last_event_id, actor)
            if missed is None:
                stream.reset(self.position)
            else:
                stream.replay.extend(missed)
        if self._shut:
            stream.end()
        self._streams.add(stream)
        return stream

    def shut(self) -> None:
        """End every open stream, and any opened from now on: a server waits for its
        open answers before it stops, and a stream never ends by itself."""
        self._shut = True
        for stream in self._streams:
            stream.end()

    def close(self, stream: Stream) -> None:
        self._streams.discard(stream)

    def missed_since(self, last_event_id: str, actor: Actor) -> list[LiveEvent] | None:
        """What the actor missed after `last_event_id`, or None when that cannot be known
        (another epoch, or older than the ring): the client must then refetch."""
        epoch, _, seq_text = last_event_id.partition(":")
        if epoch != self.epoch or not seq_text.isdigit():
            return None
        seq = int(seq_text)
        oldest = self._ring[0].seq if self._ring else self._seq + 1
        if seq > self._seq or seq < oldest - 1:
            return None
        return [e for e in self._after(seq) if e.concerns(actor)]

    def _after(self, seq: int) -> Iterator[LiveEvent]:
        return (event for event in self._ring if event.seq > seq)

// The queue's keys. They stay out of the way of typing (inputs, text areas, selects,
// editable content) and of modifier combinations the browser or screen reader owns.
import { useEffect, useRef } from "react";

export type ShortcutMove = "next" | "previous" | "open" | "close" | "assign" | "resolve" | "withdraw" | "cancel" | "filters" | "queue" | "help";

const SINGLE: Record<string, ShortcutMove> = {
  j: "next",
  ArrowDown: "next",
  k: "previous",
  ArrowUp: "previous",
  Enter: "open",
  Escape: "close",
  a: "assign", // or reassign, when that is what the request allows
  r: "resolve",
  w: "withdraw",
  c: "cancel",
  "/": "filters",
  "?": "help",
};

const SEQUENCE_MS = 1200;

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest("input, textarea, select, [contenteditable='true'], [role='combobox'], [role='listbox']")) return true;
  return false;
}

/** Where a key already has a meaning of its own: the grid moves its own focus, a button or link opens on Enter. */
function ownsKey(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if ((key === "ArrowDown" || key === "ArrowUp") && target.closest("[role='grid']")) return true;
  if (key === "Enter" && target.closest("button, a, [role='button'], [role='menuitem'], [role='columnheader']")) return true;
  return false;
}

export function useShortcuts(enabled: boolean, handle: (move: ShortcutMove) => void): void {
  const handler = useRef(handle);
  useEffect(() => {
    handler.current = handle;
  });

  useEffect(() => {
    if (!enabled) return;
    let pendingG = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event.target) || ownsKey(event.target, event.key)) return;
      if (event.key === "g") {
        pendingG = event.timeStamp;
        return;
      }
      if (event.key === "q" && pendingG && event.timeStamp - pendingG < SEQUENCE_MS) {
        pendingG = 0;
        event.preventDefault();
        handler.current("queue");
        return;
      }
      pendingG = 0;
      const move = SINGLE[event.key];
      if (!move) return;
      event.preventDefault();
      handler.current(move);
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
    };
  }, [enabled]);
}

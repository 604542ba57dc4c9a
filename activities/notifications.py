"""The notification activities under the one name workflows/notifying.py calls them by.

Planning lives in activities/notification_planning.py, delivery in
activities/notification_delivery.py; the worker registers instances of those. This class
is never instantiated: it only lends the workflow typed stubs, whose activity names are
the methods' own (recorded in histories)."""

from __future__ import annotations

from activities.notification_delivery import NotificationDelivery
from activities.notification_planning import NotificationPlanning


class NotificationActivities:
    plan_notifications = NotificationPlanning.plan_notifications
    deliver = NotificationDelivery.deliver
    give_up = NotificationDelivery.give_up

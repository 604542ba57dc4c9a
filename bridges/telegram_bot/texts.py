"""What the bot says, in Russian (default) and English, chosen by the executor's locale."""

from __future__ import annotations

from domain.notifications import DEFAULT_LOCALE, Locale

_TEXTS: dict[str, dict[Locale, str]] = {
    "not_linked": {
        Locale.RU: (
            "Этот чат не привязан к аккаунту исполнителя.\n"
            "Получите код в личном кабинете (POST /executors/me/telegram-link) "
            "и отправьте его сюда: /start КОД"
        ),
        Locale.EN: (
            "This chat is not linked to an executor account.\n"
            "Get a code in your account (POST /executors/me/telegram-link) "
            "and send it here: /start CODE"
        ),
    },
    "bad_code": {
        Locale.RU: "Код не подошёл: он неверный, устарел или уже использован. Получите новый.",
        Locale.EN: "That code did not work: it is wrong, expired or used. Get a new one.",
    },
    "linked": {
        Locale.RU: "Готово, {name}! Чат привязан. Здесь будут приходить заявки.\n\n{help}",
        Locale.EN: "Done, {name}! This chat is linked. Job offers will arrive here.\n\n{help}",
    },
    "hello": {
        Locale.RU: "Здравствуйте, {name}!\n\n{help}",
        Locale.EN: "Hello, {name}!\n\n{help}",
    },
    "help": {
        Locale.RU: (
            "/jobs — мои активные заявки\n"
            "/job <номер> — подробности и действия\n"
            "/cancel — прервать ввод причины или отчёта\n"
            "/off — не на смене: новые заявки не предлагать\n"
            "/on — снова на смене\n"
            "/help — эта справка"
        ),
        Locale.EN: (
            "/jobs — my active jobs\n"
            "/job <number> — details and actions\n"
            "/cancel — stop entering a reason or a report\n"
            "/off — off duty: no new job offers\n"
            "/on — back on duty\n"
            "/help — this help"
        ),
    },
    "off_duty": {
        Locale.RU: "Вы не на смене: новые заявки вам не предлагаются. Ваши текущие заявки "
        "остаются за вами. Вернуться на смену: /on",
        Locale.EN: "You are off duty: no new jobs will be offered to you. The jobs you hold "
        "stay yours. Back on duty: /on",
    },
    "on_duty": {
        Locale.RU: "Вы на смене: новые заявки снова будут приходить сюда.",
        Locale.EN: "You are on duty: new jobs will come here again.",
    },
    "no_jobs": {Locale.RU: "Активных заявок нет.", Locale.EN: "No active jobs."},
    "jobs_title": {Locale.RU: "Ваши активные заявки:", Locale.EN: "Your active jobs:"},
    "job_usage": {
        Locale.RU: "Укажите номер заявки: /job 1a2b3c4d",
        Locale.EN: "Give the job number: /job 1a2b3c4d",
    },
    "job_not_found": {
        Locale.RU: "Заявка {ref} не найдена среди ваших.",
        Locale.EN: "Job {ref} is not among yours.",
    },
    "ask_reason": {
        Locale.RU: "Почему вы отказываетесь от заявки {short}? Напишите причину одним сообщением "
        "(или /cancel).",
        Locale.EN: "Why are you declining job {short}? Send the reason in one message "
        "(or /cancel).",
    },
    "ask_report": {
        Locale.RU: "Заявка {short}: пришлите фото результата (по желанию), затем опишите "
        "выполненную работу одним текстовым сообщением — это и будет отчёт (или /cancel).",
        Locale.EN: "Job {short}: send photos of the result (optional), then describe the work "
        "in one text message — that is the report (or /cancel).",
    },
    "photo_saved": {
        Locale.RU: "Фото сохранено ({count}). Пришлите ещё или отправьте текст отчёта.",
        Locale.EN: "Photo saved ({count}). Send more or send the report text.",
    },
    "photo_without_job": {
        Locale.RU: "Фото принимаются после кнопки «Завершить» у заявки.",
        Locale.EN: "Photos are taken after you press “Complete” on a job.",
    },
    "cancelled_input": {Locale.RU: "Хорошо, отменено.", Locale.EN: "OK, cancelled."},
    "nothing_to_cancel": {Locale.RU: "Нечего отменять.", Locale.EN: "Nothing to cancel."},
    "unknown": {
        Locale.RU: "Не понимаю это сообщение.\n\n{help}",
        Locale.EN: "I do not understand that message.\n\n{help}",
    },
    "done_accept": {
        Locale.RU: "✅ Заявка {short} принята. Когда начнёте работу, нажмите «Начать».",
        Locale.EN: "✅ Job {short} accepted. Press “Start” when you begin the work.",
    },
    "done_decline": {
        Locale.RU: "Вы отказались от заявки {short}. Менеджер получил уведомление.",
        Locale.EN: "You declined job {short}. The manager has been told.",
    },
    "done_start": {
        Locale.RU: "▶️ Заявка {short} в работе. По окончании нажмите «Завершить».",
        Locale.EN: "▶️ Job {short} is in progress. Press “Complete” when done.",
    },
    "done_complete": {
        Locale.RU: "🏁 Заявка {short} завершена, отчёт отправлен заказчику на подтверждение.",
        Locale.EN: "🏁 Job {short} completed; the report went to the customer to confirm.",
    },
    "stale": {
        Locale.RU: "Это действие уже недоступно: заявка {short} сейчас «{state}».",
        Locale.EN: "That action is no longer possible: job {short} is now “{state}”.",
    },
    "not_yours": {
        Locale.RU: "Заявка {short} больше не назначена вам.",
        Locale.EN: "Job {short} is no longer assigned to you.",
    },
    "refused": {
        Locale.RU: "Не получилось: {detail}",
        Locale.EN: "That did not work: {detail}",
    },
    "private_only": {
        Locale.RU: "Привязать аккаунт можно только в личном чате с ботом.",
        Locale.EN: "An account can only be linked in a private chat with the bot.",
    },
    "too_long": {
        Locale.RU: "Слишком длинно: не больше {limit} символов. Сократите и отправьте снова.",
        Locale.EN: "Too long: at most {limit} characters. Shorten it and send again.",
    },
    "try_again": {
        Locale.RU: "Что-то пошло не так. Попробуйте ещё раз через минуту.",
        Locale.EN: "Something went wrong. Please try again in a minute.",
    },
    "unknown_button": {
        Locale.RU: "Эта кнопка устарела.",
        Locale.EN: "This button is outdated.",
    },
    "job": {
        Locale.RU: "<b>Заявка {short}</b> — {state}\n{category}, {address}\n{description}",
        Locale.EN: "<b>Job {short}</b> — {state}\n{category}, {address}\n{description}",
    },
}

BUTTON_LABELS: dict[str, dict[Locale, str]] = {
    "accept": {Locale.RU: "✅ Принять", Locale.EN: "✅ Accept"},
    "decline": {Locale.RU: "✖️ Отказаться", Locale.EN: "✖️ Decline"},
    "start": {Locale.RU: "▶️ Начать", Locale.EN: "▶️ Start"},
    "complete": {Locale.RU: "🏁 Завершить", Locale.EN: "🏁 Complete"},
    "show": {Locale.RU: "Открыть", Locale.EN: "Open"},
}

STATE_NAMES: dict[str, dict[Locale, str]] = {
    "new": {Locale.RU: "в очереди", Locale.EN: "in the queue"},
    "assigned": {Locale.RU: "ждёт вашего ответа", Locale.EN: "waiting for your answer"},
    "accepted": {Locale.RU: "принята", Locale.EN: "accepted"},
    "in_progress": {Locale.RU: "в работе", Locale.EN: "in progress"},
    "completed": {Locale.RU: "ждёт подтверждения", Locale.EN: "waiting for confirmation"},
    "confirmed": {Locale.RU: "подтверждена", Locale.EN: "confirmed"},
    "closed": {Locale.RU: "закрыта", Locale.EN: "closed"},
    "cancelled": {Locale.RU: "отменена", Locale.EN: "cancelled"},
    "disputed": {Locale.RU: "спор", Locale.EN: "disputed"},
}


def locale_of(value: str | None) -> Locale:
    code = (value or "").split("-")[0].lower()
    return Locale(code) if code in {loc.value for loc in Locale} else DEFAULT_LOCALE


def say(key: str, locale: Locale, **values: object) -> str:
    return _TEXTS[key][locale].format(**values)


def label(action: str, locale: Locale) -> str:
    return BUTTON_LABELS[action][locale]


def state_name(state: str, locale: Locale) -> str:
    return STATE_NAMES.get(state, {}).get(locale, state)

"""Delivers queued Bot API calls: each destination in its own lane, in order, paced within
Telegram's limits, every answer classified: retried, followed, or set aside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBUserWarning

from bot.core.store import Queued, Row, Store, is_person_lane
from bot.desk.desk import Desk
from bot.telegram.calls import SUMMARY, TELEGRAM, THREAD, VISIBLE, Send
from bot.telegram.channel import STAFF_LANE, TelegramChannel
from bot.telegram.format import TEXT_LIMIT, shown_length, visible_text
from bot.telegram.pacing import Pacing

log = logging.getLogger(__name__)
# The outbox replays stored calls by method name; python-telegram-bot suggests its typed
# method for each known name, which is exactly what a durable queue of calls cannot use.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

MAX_BACKOFF: Final = 60.0  # seconds
IDLE_WAIT: Final = 5.0  # seconds between looks at the outbox when nothing is due
MAX_LANES: Final = 500  # lanes worked on at once; each has at most one call in flight
MAX_IN_FLIGHT: Final = 100  # calls waiting for Telegram at once
READ_TIMEOUT: Final = 20.0  # a send may take a while; a shorter wait only makes duplicates
TOPIC_ONLY: Final = frozenset({"editForumTopic", "closeForumTopic", "reopenForumTopic",
                               "deleteForumTopic"})
IN_A_TOPIC: Final = TOPIC_ONLY | {"sendMessage", "copyMessage"}  # take message_thread_id
MERGE_AT_MOST: Final = 50


def seconds(value: float | timedelta) -> float:
    """RetryAfter carries an int or a timedelta, depending on python-telegram-bot's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def not_modified(error: TelegramError) -> bool:
    """Telegram's "message is not modified" (python-telegram-bot capitalises it)."""
    return "message is not modified" in error.message.lower()


@dataclass(frozen=True)
class Retries:
    """How long a failing call is tried again before it is set aside."""

    attempts: int = 8
    seconds: float = 300.0


class Sender:
    """Works every lane that has something due, each in its own task: a slow, paced or failing
    chat (the staff group above all) never holds up another."""

    def __init__(self, bot: Bot, store: Store, desk: Desk, channel: TelegramChannel,
                 clock: Callable[[], datetime], send_rate: float = 30.0,
                 retries: Retries = Retries()) -> None:
        self.bot = bot
        self.store = store
        self.desk = desk
        self.channel = channel
        self.clock = clock
        self.retries = retries
        self.pacing = Pacing(send_rate)
        self.last_success: float | None = None  # wall time of Telegram's last good answer
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._wake = asyncio.Event()
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None

    def wake(self, lanes: Iterable[str] = ()) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="sender")

    async def stop(self) -> None:
        tasks = [*self._workers.values(), *([self._task] if self._task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            room = MAX_LANES - len(self._workers)
            if room > 0:
                for head in self.store.lane_heads(TELEGRAM, self.clock(), room,
                                                  busy=self._workers):
                    self._workers[head.lane] = asyncio.create_task(
                        self._work(head.lane), name=f"lane-{len(self._workers)}")
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        next_due = self.store.next_due(TELEGRAM)
        wait = IDLE_WAIT
        if next_due is not None:
            wait = min(wait, max(0.05, next_due - self.clock().timestamp()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def _work(self, lane: str) -> None:
        """Deliver a lane's calls in order while they are due; a retry ends the turn."""
        try:
            while True:
                head = self.store.lane_head(lane)
                if head is None or head.due > self.clock().timestamp():
                    return
                try:
                    await self._deliver(head)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # a bug must not stop the lane, nor any other
                    log.error("delivery failed unexpectedly (%s); set aside",
                              type(error).__name__)
                    self._set_aside(head, Send.of(head.payload), type(error).__name__)
        finally:
            self._workers.pop(lane, None)
            self._wake.set()

    # --- one call ---------------------------------------------------------------------

    async def _deliver(self, queued: Queued) -> None:
        send = Send.of(queued.payload)
        params = self._params(send)
        if params is None:  # a topic that was never made: nothing to rename or close
            with self.store.transaction():
                self.store.remove_sends([queued.id])
            return
        chat = params.get("chat_id")
        if isinstance(chat, int):
            await self.pacing.wait_for_chat(chat, queued.priority)
        merged = [queued]
        if send.relay:  # after the wait: what piled up meanwhile goes along in this message
            head = self.store.lane_head(queued.lane)
            if head is None or head.id != queued.id:  # the lane was emptied (deleted) meanwhile
                return
            merged = self._merge(queued, send)
            if len(merged) > 1:
                send = self._merged_send(send, merged)
                params = self._params(send)
                if params is None:
                    return
        self.store.flush()  # what this reply rests on is durable before it leaves
        try:
            async with self._in_flight:
                await self.pacing.overall.acquire()
                result = await self.bot.do_api_request(send.method, api_kwargs=params,
                                                       read_timeout=READ_TIMEOUT)
        except RetryAfter as error:
            self._retry(queued, send, seconds(error.retry_after), "flood control")
        except ChatMigrated as error:
            self._follow(queued, send, int(error.new_chat_id))
        except Forbidden as error:
            self._forbidden(queued, send, error)
        except BadRequest as error:
            await self._bad_request(queued, send, error)
        except (InvalidToken, EndPointNotFound) as error:  # 401, 404: never for this call
            self._set_aside(queued, send, error.message)
        except NetworkError as error:  # time-outs, 5xx, connection errors
            self._retry(queued, send, self._backoff(queued.attempts), type(error).__name__)
        except TelegramError as error:  # an answer that is not JSON (a proxy's page), ...
            self._retry(queued, send, self._backoff(queued.attempts), type(error).__name__)
        else:
            self.last_success = time.time()
            with self.store.bookkeeping():  # done: lost only with a power cut, then sent again
                self.store.remove_sends(q.id for q in merged)
                self._record(queued.lane, send, result)

    def _params(self, send: Send) -> dict[str, Any] | None:
        """The call's parameters, with the staff group and the case's topic filled in."""
        params = dict(send.params)
        if "chat_id" in params:
            return params
        group, thread = (self.desk.thread_of(send.case_id) if send.case_id is not None
                         else (self.desk.group, None))
        if group is None:
            return None
        params["chat_id"] = group
        if send.method == "createForumTopic" and thread is not None:
            return None  # the topic exists already (found again after a crash): none twice
        if send.case_id is None or send.method not in IN_A_TOPIC:
            return params
        if thread is not None:
            params["message_thread_id"] = thread
        elif send.method in TOPIC_ONLY:
            return None
        return params

    def _record(self, lane: str, send: Send, result: Any) -> None:
        """What Telegram answered, in the commit that removes the call: a case's topic and
        summary, and the ids of messages in a person's chat (for the quick exit)."""
        if not isinstance(result, dict):
            return
        if send.record == THREAD and "message_thread_id" in result:
            assert send.case_id is not None
            group = self.desk.thread_of(send.case_id)[0]
            assert group is not None
            thread = int(result["message_thread_id"])
            if not self.desk.record_thread(send.case_id, group, thread):
                log.warning("a case's topic was made twice; the second is deleted")
                self.store.queue([Row(STAFF_LANE, TELEGRAM, Send("deleteForumTopic", {
                    "chat_id": group, "message_thread_id": thread},
                    best_effort=True).payload())], self.clock())
        elif send.record == SUMMARY and "message_id" in result:
            assert send.case_id is not None
            self.desk.record_summary(send.case_id, int(result["message_id"]))
        elif send.record == VISIBLE and "message_id" in result and is_person_lane(lane):
            self.channel.remember(lane, int(result["message_id"]))

    # --- what a person wrote, piled up: one message, signed once --------------------------

    def _merge(self, head: Queued, send: Send) -> list[Queued]:
        assert send.relay is not None
        merged = [head]
        length = shown_length(send.relay["head"] + "\n" + send.relay["body"])
        for row in self.store.lane_rows(head.lane, after=head.id, limit=MERGE_AT_MOST):
            relay = Send.of(row.payload).relay
            if relay is None:
                break
            length += 2 + shown_length(relay["body"])
            if length > TEXT_LIMIT:
                break
            merged.append(row)
        return merged

    @staticmethod
    def _merged_send(send: Send, merged: list[Queued]) -> Send:
        assert send.relay is not None
        bodies = [Send.of(row.payload).relay["body"] for row in merged]  # type: ignore[index]
        text = send.relay["head"] + "\n" + "\n\n".join(bodies)
        return Send(send.method, {**send.params, "text": text}, send.case_id, send.record)

    # --- what went wrong ----------------------------------------------------------------

    def _retry(self, queued: Queued, send: Send, wait: float, why: str) -> None:
        age = self.clock().timestamp() - queued.first_at
        if queued.attempts + 1 >= self.retries.attempts or age + wait > self.retries.seconds:
            self._set_aside(queued, send, f"gave up after {queued.attempts + 1} tries: {why}")
            return
        log.info("%s will be retried in %.1fs (%s, attempt %d)", send.method, wait, why,
                 queued.attempts + 1)
        self.store.retry_send(queued, self.clock() + timedelta(seconds=wait))

    def _follow(self, queued: Queued, send: Send, new_chat: int) -> None:
        """A group became a supergroup with a new id: follow it, and send again at once."""
        if queued.lane.startswith(("case:", STAFF_LANE)):
            self.desk.group_moved(new_chat)
            self.store.retry_send(queued, self.clock())
        else:
            self._set_aside(queued, send, "chat migrated")

    def _forbidden(self, queued: Queued, send: Send, error: Forbidden) -> None:
        if is_person_lane(queued.lane):
            with self.store.transaction():
                dropped = self.store.drop_lane(queued.lane)
            log.warning("a person has blocked the bot; %d queued sends dropped", dropped)
            self.desk.person_blocked(queued.lane)
        elif send.best_effort:  # as with any other refusal of a call that may fail
            with self.store.transaction():
                self.store.remove_sends([queued.id])
        else:
            self._set_aside(queued, send, error.message)

    async def _bad_request(self, queued: Queued, send: Send, error: BadRequest) -> None:
        if not_modified(error) or send.best_effort:
            with self.store.transaction():
                self.store.remove_sends([queued.id])
        elif send.method == "editMessageText" and "message_id" in send.params and (
                "chat_id" in send.params):
            # The pressed message is gone or too old to edit: send the reply as a new message.
            params = {k: v for k, v in send.params.items() if k != "message_id"}
            fresh = Send("sendMessage", params, send.case_id, VISIBLE)
            self.store.retry_send(queued, self.clock(), fresh.payload())
        elif "topic_closed" in error.message.lower() and send.case_id is not None:
            await self._reopen(queued, send)
        else:
            self._set_aside(queued, send, error.message)

    async def _reopen(self, queued: Queued, send: Send) -> None:
        """Someone closed an open case's topic by hand: open it again, then send."""
        group, thread = self.desk.thread_of(send.case_id or 0)
        case = self.desk.cases.get(send.case_id or 0)
        if case is None or not case.is_open or thread is None:
            self._set_aside(queued, send, "topic closed")
            return
        with contextlib.suppress(TelegramError):
            await self.bot.do_api_request("reopenForumTopic", api_kwargs={
                "chat_id": group, "message_thread_id": thread})
        self._retry(queued, send, 0.0, "topic closed")

    def _set_aside(self, queued: Queued, send: Send, why: str) -> None:
        """Never to succeed: out of the lane into the dead letters, with an ERROR line that
        names the call and the reason (never what it said), and a word to the staff group."""
        log.error("Telegram refused %s for good (%s); set aside", send.method, why)
        with self.store.transaction():
            self.store.dead_letter(queued, send.method, why, self.clock())
            if queued.lane == STAFF_LANE and send.method == "sendMessage" and (
                    not send.best_effort):
                self._once_more_plain(queued, send)
        if send.best_effort or queued.lane == STAFF_LANE:
            return
        if is_person_lane(queued.lane):
            case = self.desk.cases.of_person(queued.lane)
            self.desk.not_delivered(case.id if case else None, to_person=True)
        else:
            self.desk.not_delivered(send.case_id, to_person=False)

    def _once_more_plain(self, queued: Queued, send: Send) -> None:
        """A message to the staff group's general topic (often the word that something else
        failed) is tried once more as bare text: no markup, no buttons. If that fails too, it
        is dropped, already counted among the dead letters and logged."""
        params = {key: value for key, value in send.params.items()
                  if key in ("chat_id", "link_preview_options")}
        params["text"] = visible_text(str(send.params.get("text", "")))[:TEXT_LIMIT]
        self.store.queue([Row(STAFF_LANE, TELEGRAM, Send(
            "sendMessage", params, best_effort=True).payload(), queued.priority)], self.clock())

    @staticmethod
    def _backoff(attempts: int) -> float:
        return min(MAX_BACKOFF, 0.5 * 2**attempts) * random.uniform(0.8, 1.2)

    # --- for the health check --------------------------------------------------------------

    @property
    def busy_lanes(self) -> int:
        return len(self._workers)

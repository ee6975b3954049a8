"""One command handler for every platform: a message in, a reply (plain data) out.

Adapters translate a platform's events into `Message`s and render the `Reply` they get
back; every rule about what a command does lives here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from bot.core import messages
from bot.core.arguments import UserError, find_topic, needs, topic_argument, whole_number
from bot.core.digest import Digest, Story, arrange, story_picks
from bot.core.feed_commands import FeedAdder, FeedRefused, added_text, feed_list, remove_feed
from bot.core.lookup import digest_candidates, find_answer, find_stories
from bot.core.questions import question_reply
from bot.core.replies import (
    AnswerReply,
    DigestReply,
    Help,
    Reply,
    SearchReply,
    StoryReply,
    Text,
    TrendingReply,
)
from bot.core.store import Chat, Store, StoredDocument, now
from bot.core.stories import in_order, story_summary
from bot.core.summaries import Summaries, story_summary_of
from bot.core.terms import TermCache
from bot.core.topics import Topic, parse_topic
from bot.core.trending import find_trends

log = logging.getLogger(__name__)
# One line per message handled (its command, chat, platform and time), apart from the rest.
messages_log = logging.getLogger("bot.messages")

MAX_TOPICS = 50
SEARCH_RESULTS = 5
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n")

# (usage, what it does), in the order /help lists them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("/start", "say hello and show these commands"),
    ("/help", "show these commands"),
    ("/digest [topic]", "the new stories on your topics (or on one topic) now"),
    ("/subscribe <topic>", 'follow a topic: words, "a phrase", -excluded, OR'),
    ("/unsubscribe <topic>", "stop following a topic"),
    ("/topics", "list the topics you follow"),
    ("/search <query>", "find stored stories"),
    ("/ask <question>", "answer from the stored stories"),
    ("/more <n>", "a longer summary of story n of your last digest"),
    ("/trending", "the phrases rising in the last day's stories, to follow"),
    ("/schedule HH:MM [Area/City]", "when your daily digest comes, in your time zone"),
    ("/pause", "stop the daily digest"),
    ("/resume", "start the daily digest again"),
    ("/feeds [add <url> | remove <n>]", "the feeds the news comes from"),
)
# Commands that change a chat's settings; in groups only admins may use them.
SETTINGS_COMMANDS = frozenset({"subscribe", "unsubscribe", "schedule", "pause", "resume"})


@dataclass(frozen=True)
class Message:
    """A message to the bot, as every adapter hands it over.

    `can_change_settings` is the adapter's verdict (e.g. False for a group member who is
    not an admin); `digest_id` is set when the message replies to a digest.
    """

    platform: str
    chat_id: str
    text: str
    user_id: str = ""
    can_change_settings: bool = True
    digest_id: int | None = None


@dataclass(frozen=True)
class Options:
    """How digests are made and a new chat's defaults."""

    method: str = "lexrank"
    sentences: int = 3
    longer_sentences: int = 7
    digest_size: int = 5
    timezone: str = "UTC"
    digest_time: str = "08:00"


def split_command(text: str) -> tuple[str | None, str]:
    """(`name`, argument) of `/name@bot argument`; (None, text) for text that is no command."""
    text = text.strip()
    if not text.startswith("/"):
        return None, text
    # Any white space ends the name: a phone's keyboard may put a new line after it.
    head, *rest = text.split(maxsplit=1)
    name = head[1:].split("@", 1)[0].lower()
    return name, rest[0].strip() if rest else ""


def next_run(digest_time: str, zone: str, now: datetime | None = None) -> datetime:
    """When a daily digest at `digest_time` in `zone` next comes, in that zone's local time."""
    tz = ZoneInfo(zone)
    local = (now or datetime.now(UTC)).astimezone(tz)
    at = time.fromisoformat(digest_time)
    candidate = datetime.combine(local.date(), at, tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tz)
    return candidate


class CommandHandler:
    """Handles every command for every platform."""

    def __init__(
        self,
        store: Store,
        options: Options,
        *,
        terms: TermCache | None = None,
        schedule_changed: Callable[[Chat], None] | None = None,
        deliver: Callable[[int], str] | None = None,
        add_feed: FeedAdder | None = None,
    ) -> None:
        self.store = store
        # Fetches a feed once and starts polling it (the core fetches nothing itself).
        self.add_feed = add_feed
        self.options = options
        self.terms = terms or TermCache()
        # The story each chat's conversation is about (the last one shown or answered from).
        self.focus: dict[int, StoredDocument] = {}
        self._summaries = Summaries(store, options.method, options.sentences)
        self.schedule_changed = schedule_changed
        # The outbox: where a chat's digest is sent from, once it is stored.
        self.deliver = deliver
        self._commands: dict[str, Callable[[Chat, str, Message], Reply]] = {
            "start": self.start,
            "help": self.help,
            "digest": self.digest,
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "topics": self.topics,
            "search": self.search,
            "ask": self.ask,
            "more": self.more,
            "schedule": self.schedule,
            "pause": self.pause,
            "resume": self.resume,
            "feeds": self.feeds,
            "trending": self.trending,
        }

    def chat(self, platform: str, chat_id: str) -> Chat:
        """The chat, registered with the default schedule the first time it is seen."""
        zone, at = self.options.timezone, self.options.digest_time
        return self.store.chat(platform, chat_id, timezone=zone, digest_time=at)

    def handle(self, message: Message) -> Reply:
        """The reply to one message. Never raises: a user's mistake gets a one-line hint,
        anything unexpected is logged with the chat and answered with an apology. Each
        message is logged in one line: its command (not what the user typed), chat, time."""
        started = perf_counter()
        # Control characters mean nothing in a command, and PostgreSQL stores no NUL.
        name, argument = split_command(message.text.translate(_CONTROLS))
        reply = self._reply(name, argument, message)
        event = f"/{name}" if name in self._commands else "question" if name is None else "unknown"
        took = round((perf_counter() - started) * 1000)
        messages_log.info(
            "%s in %s:%s answered in %d ms%s",
            event,
            message.platform,
            message.chat_id,
            took,
            " (an error)" if getattr(reply, "error", False) else "",
            extra={"event": event, "platform": message.platform, "chat": message.chat_id,
                   "ms": took},
        )  # fmt: skip
        return reply

    def _reply(self, name: str | None, argument: str, message: Message) -> Reply:
        try:
            chat = self.chat(message.platform, message.chat_id)
            if not chat.active:
                # A chat that blocked the bot and now writes again wants its digests back.
                chat = self.store.update_chat(chat.id, active=True)
                self._schedule_changed(chat)
            if name is None:
                return self._question(chat, argument, message.digest_id)
            command = self._commands.get(name)
            if command is None:
                command_name = messages.echo(f"/{name}")
                raise UserError(messages.UNKNOWN_COMMAND.format(command=command_name))
            if name in SETTINGS_COMMANDS and not message.can_change_settings:
                raise UserError(messages.NOT_ALLOWED.format(command=f"/{name}"))
            return command(chat, argument, message)
        except UserError as error:
            return Text(str(error), error=True)
        except Exception:
            log.exception(
                "command %s failed in chat %s:%s",
                name or "(question)",
                message.platform,
                message.chat_id,
            )
            return Text(messages.APOLOGY, error=True)

    # Commands

    def start(self, chat: Chat, argument: str, message: Message) -> Reply:
        return Help(COMMANDS, greeting=messages.GREETING)

    def help(self, chat: Chat, argument: str, message: Message) -> Reply:
        return Help(COMMANDS)

    def digest(self, chat: Chat, argument: str, message: Message) -> Reply:
        only = topic_argument(argument) if argument else None
        digest = self.build_digest(chat, only=only)
        if self.deliver is not None and digest.digest_id is not None:
            self.deliver(digest.digest_id)
            return DigestReply(digest, delivered=True)
        return DigestReply(digest)

    def subscribe(self, chat: Chat, argument: str, message: Message) -> Reply:
        if not argument:
            raise needs("/subscribe", "a topic", "/subscribe Idlib")
        topic = topic_argument(argument)
        topics = self.store.topics(chat.id)
        if find_topic(topics, topic.text) is not None:
            return Text(messages.ALREADY_SUBSCRIBED.format(topic=topic.text))
        if len(topics) >= MAX_TOPICS:
            raise UserError(messages.TOO_MANY_TOPICS.format(limit=MAX_TOPICS))
        self.store.subscribe(chat.id, topic.text)
        listed = ", ".join([*topics, topic.text])
        return Text(messages.SUBSCRIBED.format(topic=topic.text, topics=listed))

    def unsubscribe(self, chat: Chat, argument: str, message: Message) -> Reply:
        if not argument:
            raise needs("/unsubscribe", "a topic you follow", "/unsubscribe Idlib")
        topics = self.store.topics(chat.id)
        found = find_topic(topics, " ".join(argument.split()))
        if found is None:
            listed = ", ".join(topics) or "none"
            said = messages.echo(argument)
            raise UserError(messages.NOT_SUBSCRIBED.format(topic=said, topics=listed))
        self.store.unsubscribe(chat.id, found)
        return Text(messages.UNSUBSCRIBED.format(topic=found))

    def topics(self, chat: Chat, argument: str, message: Message) -> Reply:
        topics = self.store.topics(chat.id)
        if not topics:
            return Text(messages.NO_TOPICS)
        return Text(messages.TOPICS.format(topics=", ".join(topics)))

    def search(self, chat: Chat, argument: str, message: Message) -> Reply:
        if not argument:
            raise needs("/search", "something to look for", '/search "oil price"')
        return self.search_stories(argument)

    def ask(self, chat: Chat, argument: str, message: Message) -> Reply:
        if not argument:
            raise UserError(messages.EMPTY_QUESTION)
        return self._question(chat, argument, message.digest_id)

    def more(self, chat: Chat, argument: str, message: Message) -> Reply:
        # A button under a digest names that digest; typed, /more means the last one.
        digest_id = message.digest_id
        if digest_id is None:
            last = self.store.last_digest(chat.id)
            if last is None:
                raise UserError(messages.NO_DIGEST_YET)
            digest_id = last.id
        return self.story(chat, digest_id, whole_number(argument) or 0)

    def story(self, chat: Chat, digest_id: int, number: int) -> StoryReply:
        """Story `number` of a digest as it stands now: every source, the longer summary of
        them all. The chat's conversation is about it from then on."""
        items = self.store.digest_items(digest_id)
        if not items:  # a digest that is gone, or one that had no stories
            raise UserError(messages.NO_DIGEST_YET)
        if not 1 <= number <= len(items):
            raise UserError(messages.BAD_STORY_NUMBER.format(count=len(items)))
        doc_id, topic = items[number - 1]
        document = self.store.get_document(doc_id)
        if document is None:
            raise UserError(messages.NO_DIGEST_YET)
        story = self.store.story_documents([document.story_id]).get(document.story_id, [])
        sources = [document, *(d for d in in_order(story) if d.id != document.id)]
        count = self.options.longer_sentences
        summary = story_summary_of(self.store, sources, self.options.method, count)
        self.focus[chat.id] = document
        return StoryReply(Story.of(number, document, summary, topic, sources=sources))

    def trending(self, chat: Chat, argument: str, message: Message) -> Reply:
        return TrendingReply(find_trends(self.store))

    def schedule(self, chat: Chat, argument: str, message: Message) -> Reply:
        if not argument:
            raise needs("/schedule", "a time HH:MM", "/schedule 07:30 Europe/Berlin")
        value, *rest = argument.split(maxsplit=1)
        match = _TIME.match(value)
        if not match:
            raise UserError(messages.BAD_TIME.format(value=messages.echo(value)))
        zone = rest[0].strip() if rest else chat.timezone
        try:
            ZoneInfo(zone)
        # A folder of zones ("America") or a name too long for a file fails as an OSError.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise UserError(messages.BAD_ZONE.format(value=messages.echo(zone))) from None
        digest_time = f"{int(match[1]):02d}:{match[2]}"
        updated = self.store.update_chat(chat.id, timezone=zone, digest_time=digest_time)
        self._schedule_changed(updated)
        upcoming = next_run(digest_time, zone).strftime("%a %d %b at %H:%M")
        return Text(messages.SCHEDULED.format(time=digest_time, zone=zone, next=upcoming))

    def pause(self, chat: Chat, argument: str, message: Message) -> Reply:
        if chat.paused:
            return Text(messages.ALREADY_PAUSED)
        self._schedule_changed(self.store.update_chat(chat.id, paused=True))
        return Text(messages.PAUSED)

    def resume(self, chat: Chat, argument: str, message: Message) -> Reply:
        when = {"time": chat.digest_time, "zone": chat.timezone}
        if not chat.paused:
            return Text(messages.NOT_PAUSED.format(**when))
        self._schedule_changed(self.store.update_chat(chat.id, paused=False))
        return Text(messages.RESUMED.format(**when))

    def feeds(self, chat: Chat, argument: str, message: Message) -> Reply:
        action, _, rest = argument.partition(" ")
        action, rest = action.lower(), rest.strip()
        if not action:
            return Text(feed_list(self.store.feeds(), now()))
        if action not in ("add", "remove") or not rest:
            raise UserError(messages.FEEDS_USAGE)
        if not message.can_change_settings:
            raise UserError(messages.NOT_ALLOWED.format(command=f"/feeds {action}"))
        try:
            if action == "remove":
                return Text(remove_feed(self.store, rest))
            if self.add_feed is None:
                raise UserError(messages.FEEDS_UNAVAILABLE)
            return Text(added_text(self.add_feed(rest)))
        except FeedRefused as error:
            raise UserError(str(error)) from None

    # The work behind the commands

    def build_digest(self, chat: Chat, *, only: Topic | None = None) -> Digest:
        """The chat's digest now, stored, its stories recorded as delivered to the chat.

        Stories since the chat's last full digest that it has not had yet, matching its
        topics (or `only`), best first, at most `digest_size`.
        """
        followed = self.store.topics(chat.id)
        topics = [only] if only else [parse_topic(t, common_words=True) for t in followed]
        for attempt in range(2):
            last = self.store.last_digest(chat.id, full=True)
            since = last.created_at if last else None
            edited = self.store.edited_versions(chat.id, since) if since else {}
            size, also = self.options.digest_size, [d for d, _ in edited.values()]
            found = digest_candidates(self.store, topics, 2 * size + 5, since=since,
                                      new_to_chat=chat.id, also=also)  # fmt: skip
            picks = story_picks(self.store, found, size, chat=chat.id, edited=edited)
            digest = arrange(picks, topics, self.summary, None)
            if digest.empty:
                return digest
            # Stored in the order the reader sees them, so the stored digest reads the same.
            by_head = {chosen.head.id: chosen for chosen in picks}
            items = [by_head[story.doc_id].item(story.topic) for story in digest.stories]
            try:
                digest_id = self.store.save_digest(
                    chat.id, items, query=only.text if only else None
                )
            except IntegrityError:
                # Another digest for this chat took some of these stories first: pick again.
                if attempt:
                    raise
                continue
            return replace(digest, digest_id=digest_id)
        raise AssertionError("unreachable")

    def search_stories(self, text: str, limit: int = SEARCH_RESULTS) -> SearchReply:
        """The stored stories matching a query in the topic language, best first."""
        query = topic_argument(text)
        return SearchReply(query.text, tuple(find_stories(self.store, query, self.terms, limit)))

    def answer_question(
        self, question: str, context: list[StoredDocument] | None = None, today: date | None = None
    ) -> AnswerReply:
        """An extractive answer, from the `context` stories first, else from all stories;
        time words count from `today` (the chat's date)."""
        try:
            found = find_answer(self.store, question, self.terms, context=context or [],
                                today=today or now().date())  # fmt: skip
        except ValueError:
            raise UserError(messages.EMPTY_QUESTION) from None
        return AnswerReply(found)

    def preview_digest(
        self, *, topic: str | None = None, since: date | None = None, limit: int | None = None
    ) -> Digest:
        """A digest of the stored stories that belongs to no chat and is not stored:
        published on or after `since`, matching `topic`, best first."""
        topics = [topic_argument(topic)] if topic else []
        size = limit or self.options.digest_size
        found = digest_candidates(self.store, topics, 2 * size + 5, published_from=since)
        picks = story_picks(self.store, found, size)
        digest = arrange(picks, topics, self.summary, None)
        # There is no "last digest" to be new since; the one topic is named in `nothing`.
        nothing = messages.preview_nothing(topics[0].text if topics else None, since)
        return replace(digest, nothing_new_on=(), nothing=nothing, preview=True)

    def _question(self, chat: Chat, question: str, digest_id: int | None) -> Reply:
        """Answer a question, from the stories of the digest it follows first."""
        if not question.strip():
            raise UserError(messages.EMPTY_QUESTION)
        return question_reply(self, chat, question, digest_id)

    def summary(self, documents: Sequence[StoredDocument]) -> tuple[str, ...]:
        """A story's summary as digests show it: of its one document (computed once), or
        drawn from all of its sources."""
        if len(documents) == 1:
            return self._summaries(documents[0])
        return story_summary(documents, self.options.sentences)

    def _schedule_changed(self, chat: Chat) -> None:
        if self.schedule_changed is not None:
            self.schedule_changed(chat)

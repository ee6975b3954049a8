"""Every sentence the bot says to users, in one place."""

from __future__ import annotations

from datetime import date

from bot.core.documents import shorten

# What a user typed, said back in a reply (an unknown command, a topic not followed, a time
# that is none), is cut to this many characters: enough to recognise, never a wall of text.
ECHO_CHARS = 80


def echo(typed: str) -> str:
    """What the user typed, on one line and cut to `ECHO_CHARS`, to say back to them."""
    return shorten(" ".join(typed.split()), ECHO_CHARS)


GREETING = (
    "Hello! I read the news, send you a daily digest and answer questions about it. "
    "Follow a topic with /subscribe, or type /digest now."
)
APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
UNKNOWN_COMMAND = "Unknown command {command}. Type /help to see what I understand."
NEEDS_ARGUMENT = "{command} needs {what}, e.g. {example}"
TOPIC_TOO_LONG = (
    "That topic is {length} characters long; the limit is {limit}. Try a shorter one, "
    'e.g. /subscribe "oil price" -OPEC'
)
TOO_MANY_TOPICS = "You follow {limit} topics, the most a chat may have. /unsubscribe one first."
BAD_TOPIC = "Cannot use that topic: {reason}."
SUBSCRIBED = "Subscribed to {topic}. Your topics: {topics}."
ALREADY_SUBSCRIBED = "You already follow {topic}."
UNSUBSCRIBED = "Unsubscribed from {topic}."
NOT_SUBSCRIBED = "You do not follow {topic}. Your topics: {topics}."
NO_TOPICS = "You follow no topics, so your digest has all new stories. Try /subscribe Idlib"
TOPICS = "Your topics: {topics}."
BAD_TIME = "{value!r} is not a time. Type /schedule HH:MM (24-hour), e.g. /schedule 07:30"
BAD_ZONE = (
    "Unknown time zone {value!r}. Use a name like Europe/Berlin or America/New_York, "
    "e.g. /schedule 07:30 Europe/Berlin"
)
SCHEDULED = "Your daily digest comes at {time} {zone}; the next one {next}."
PAUSED = "Daily digests paused. /digest still works; /resume to start them again."
ALREADY_PAUSED = "Daily digests are already paused. /resume to start them again."
RESUMED = "Daily digests resumed: every day at {time} {zone}."
NOT_PAUSED = "Daily digests are not paused: they come every day at {time} {zone}."
NO_DIGEST_YET = "There is no digest yet to take a story from. Type /digest first."
BAD_STORY_NUMBER = "Type /more and the number of a story in your last digest, from 1 to {count}."
EMPTY_QUESTION = (
    "Type a question with some words in it, e.g. /ask What did Erdogan say about Idlib?"
)
NOT_ALLOWED = "Only the chat's admins can change its settings with {command}."
NOTHING_FOUND = "I found nothing about that in the stories I have. Try other words, or /search."
NO_HITS = "No story matches {query}."
HITS = "Stories matching {query}:"
DIGEST_HEADER = "Your digest: {count} {stories}"
# A story told by several sources, and what new sources add to one the chat had.
SOURCES = "{count} sources"
MORE_SOURCES = "and {count} more"
UPDATE = "Update: {text}"
# A digest lists this many of a story's sources; /more lists them all.
SOURCES_LISTED = 5
NOTHING_NEW = "Nothing new since your last digest."
NOTHING_NEW_ON = "Nothing new on {topics}."
# A preview of the stored stories (the `newsdigest digest` command) that found none.
PREVIEW_NOTHING = "No stories are stored yet."
PREVIEW_NOTHING_SINCE = "No stories since {since}."
PREVIEW_NOTHING_ON = "No stories match {topic}."
PREVIEW_NOTHING_ON_SINCE = "No stories match {topic} since {since}."
DIGEST_FOOTER = "Ask me about these stories, or type /more 1 for more on the first."
TELEGRAM_DIGEST_FOOTER = "Reply to this message with a question about these stories."
# /trending
TRENDING_HEADER = "Rising in the last day's {count} stories, against the week before:"
TRENDING_HEADER_FIRST = (
    "Most told in the last day's {count} stories (none stored before them to compare with):"
)
TRENDING_NOTHING = "Nothing stands out in the last day's {count} stories yet."
TRENDING_NO_STORIES = "No stories were stored in the last day, so nothing is trending."
TRENDING_COUNTS = "{count} stories today"
TRENDING_BEFORE = "{count} a day last week"
TRENDING_NONE_BEFORE = "none last week"
TRENDING_SUBSCRIBE = "Follow one with /subscribe {topic}"
TRENDING_FOLLOW = "Follow a phrase to get its new stories in your digest."
FOLLOW_BUTTON = "Follow {phrase}"
# /feeds
NO_FEEDS = (
    "No feeds yet: stories come from the folder only. "
    "Add one with /feeds add https://example.com/rss.xml"
)
FEEDS_HEADER = "Feeds ({count}):"
FEEDS_USAGE = "Type /feeds to list the feeds, /feeds add <url>, or /feeds remove <number or url>."
FEED_ADDED = "Now polling {name} ({url}): {entries} entries; the newest {new} count as new."
FEED_EXISTS = "{name} is polled already ({url})."
FEED_REFUSED = "Cannot add that feed: {reason}."
FEED_REMOVED = "Stopped polling {name}; its stories stay."
FEED_NOT_FOUND = "There is no feed {what}. Type /feeds to see them with their numbers."
FEED_LISTED = "{name} is listed in the bot's settings; it can only be removed there."
FEEDS_UNAVAILABLE = "Feeds cannot be added here."


def preview_nothing(topic: str | None, since: date | None) -> str:
    """What a digest printed from the command line says when it has no story."""
    if topic and since:
        return PREVIEW_NOTHING_ON_SINCE.format(topic=topic, since=since)
    if topic:
        return PREVIEW_NOTHING_ON.format(topic=topic)
    if since:
        return PREVIEW_NOTHING_SINCE.format(since=since)
    return PREVIEW_NOTHING


def trending_title(stories: int, trends: int, compared: bool) -> str:
    """What /trending says first, or alone when nothing rose."""
    if not stories:
        return TRENDING_NO_STORIES
    if not trends:
        return TRENDING_NOTHING.format(count=stories)
    return (TRENDING_HEADER if compared else TRENDING_HEADER_FIRST).format(count=stories)


def trend_counts(today: int, per_day: float, compared: bool) -> str:
    """How often a rising phrase is told: "12 stories today (1.4 a day last week)"."""
    counts = TRENDING_COUNTS.format(count=today)
    if not compared:
        return counts
    if not per_day:
        return f"{counts} ({TRENDING_NONE_BEFORE})"
    average = f"{per_day:.0f}" if per_day >= 10 else f"{per_day:.1f}".removesuffix(".0")
    return f"{counts} ({TRENDING_BEFORE.format(count=average)})"

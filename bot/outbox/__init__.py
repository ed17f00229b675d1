"""The outbox wing: everything the bot sends on its own initiative.

content (typed references packed into outbox rows), queueing (what features queue),
broadcasts (drafts, audiences, progress), planning (reminders, calendar revisions),
rendering (texts at send time, through the recipient resolver) and the one paced sender.
"""

"""Telling workers that something needs them: `push` (Web Push transport and subscriptions) and
`recipients` (who hears about what a sync changed). Payloads never name anyone."""

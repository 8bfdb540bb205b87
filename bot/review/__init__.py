"""The reviewers' tools: booklet, previews, approvals, lint and readability; not the running bot."""

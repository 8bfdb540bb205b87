"""The channel-neutral core: keys, case codes, content, the store, a conversation step."""

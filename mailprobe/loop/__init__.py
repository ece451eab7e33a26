"""The send-and-receive loop (`check --loop`): one message over authenticated submission, found over IMAP,
deleted by its UID. `facts` is its evidence (no network); `message` builds the message, `received` reads its
hops, `submit` and `watch` talk SMTP and IMAP, `run` strings them together under the loop's own budget."""

"""The send-and-receive loop's UI words (`check --loop`), in the three languages side by side: the message it
sends, its progress lines and its check's summary. messages.py merges them into each language's catalogue."""

EN: dict[str, str] = {
    "kind.loop": "send-and-receive loop",
    "loop.subject": "mailprobe loop test {loop_id}",
    "loop.body": (
        "This message was sent by mailprobe to check that this mailbox sends and receives mail (test {loop_id}).\n"
        "mailprobe deletes it as soon as it has arrived; if it is still here, you may delete it."
    ),
    "loop.progress.start": "loop: quick checks done in {seconds} s; sending one message, waiting {budget} s at most",
    "loop.progress.sent": "loop: sent at {at} to {to}, waiting up to {budget} s …",
    "loop.progress.found": "loop: found after {seconds} s in {folder}",
    "loop.progress.waiting": "loop: not there yet after {seconds} s …",
    "summary.loop.delivered": "delivered to {folder} after {seconds} s over {hops} hops ({route}); {cleanup}",
    "summary.loop.junk": "delivered to the junk folder {folder} after {seconds} s; {cleanup}",
    "summary.loop.delayed": "accepted (queue id {queue_id}) but not found within {budget} s; last hop seen: {last_hop}",
    "summary.loop.rejected": "the provider refused to send the message: «{reply}»",
    "summary.loop.deferred": "the provider refused the message for now (temporary, not retried): «{reply}»",
    "summary.loop.not_run": "not run: {reason}",
    "summary.loop.error": "broke off at {stage}: {reason}",
    "summary.loop.quota": "mailbox {percent}% full ({used} of {limit} KiB)",
    "loop.cleanup.expunged": "deleted again (UID EXPUNGE)",
    "loop.cleanup.moved": "moved to the trash",
    "loop.cleanup.not_allowed": "NOT deleted: the server offers neither UID EXPUNGE nor MOVE",
    "loop.cleanup.failed": "NOT deleted: the server refused the deletion",
    "loop.cleanup.not_found": "nothing to delete",
    "loop.reason.no_login": "no login was accepted over both IMAP and SMTP",
    "loop.reason.no_submission": "no submission server over TLS (465 or 587) to send through",
    "loop.reason.no_imap": "no IMAP server over TLS to look in",
    "loop.hops.unknown": "none seen",
    "loop.hop": "{by} with {protocol} +{delay} s",
}

ZH_HANS: dict[str, str] = {
    "kind.loop": "收发回环",
    "loop.subject": "mailprobe 收发测试 {loop_id}",
    "loop.body": (
        "这封邮件由 mailprobe 发送，用于检查本邮箱能否正常收发邮件（测试 {loop_id}）。\n"
        "邮件到达后 mailprobe 会立即删除它；如果它仍在这里，可以直接删除。"
    ),
    "loop.progress.start": "回环：快速检查用时 {seconds} 秒；现在发送一封邮件，随后最多等待 {budget} 秒",
    "loop.progress.sent": "回环：已于 {at} 发往 {to}，最多等待 {budget} 秒……",
    "loop.progress.found": "回环：{seconds} 秒后在 {folder} 中找到",
    "loop.progress.waiting": "回环：{seconds} 秒后仍未到达……",
    "summary.loop.delivered": "{seconds} 秒后投递到 {folder}，经过 {hops} 跳（{route}）；{cleanup}",
    "summary.loop.junk": "{seconds} 秒后投递到垃圾邮件文件夹 {folder}；{cleanup}",
    "summary.loop.delayed": "已被接受（队列号 {queue_id}），但 {budget} 秒内未收到；最后可见的一跳：{last_hop}",
    "summary.loop.rejected": "服务商拒绝发送这封邮件：«{reply}»",
    "summary.loop.deferred": "服务商暂时拒绝了这封邮件（临时性，未重试）：«{reply}»",
    "summary.loop.not_run": "未运行：{reason}",
    "summary.loop.error": "在{stage}阶段中断：{reason}",
    "summary.loop.quota": "邮箱已用 {percent}%（{used} / {limit} KiB）",
    "loop.cleanup.expunged": "已再次删除（UID EXPUNGE）",
    "loop.cleanup.moved": "已移到已删除邮件",
    "loop.cleanup.not_allowed": "未删除：服务器既不支持 UID EXPUNGE 也不支持 MOVE",
    "loop.cleanup.failed": "未删除：服务器拒绝了删除",
    "loop.cleanup.not_found": "无需删除",
    "loop.reason.no_login": "IMAP 和 SMTP 未能都登录成功",
    "loop.reason.no_submission": "没有可通过 TLS（465 或 587）发信的服务器",
    "loop.reason.no_imap": "没有可通过 TLS 查看的 IMAP 服务器",
    "loop.hops.unknown": "未见",
    "loop.hop": "{by}（{protocol}）+{delay} 秒",
}

ZH_HANT: dict[str, str] = {
    "kind.loop": "收發迴圈",
    "loop.subject": "mailprobe 收發測試 {loop_id}",
    "loop.body": (
        "這封郵件由 mailprobe 寄出，用來檢查本信箱能否正常收發郵件（測試 {loop_id}）。\n"
        "郵件送達後 mailprobe 會立即刪除它；如果它仍在這裡，可以直接刪除。"
    ),
    "loop.progress.start": "迴圈：快速檢查耗時 {seconds} 秒；現在寄出一封郵件，隨後最多等待 {budget} 秒",
    "loop.progress.sent": "迴圈：已於 {at} 寄往 {to}，最多等待 {budget} 秒……",
    "loop.progress.found": "迴圈：{seconds} 秒後在 {folder} 中找到",
    "loop.progress.waiting": "迴圈：{seconds} 秒後仍未送達……",
    "summary.loop.delivered": "{seconds} 秒後送達 {folder}，經過 {hops} 站（{route}）；{cleanup}",
    "summary.loop.junk": "{seconds} 秒後送達垃圾郵件資料夾 {folder}；{cleanup}",
    "summary.loop.delayed": "已被接受（佇列編號 {queue_id}），但 {budget} 秒內未收到；最後可見的一站：{last_hop}",
    "summary.loop.rejected": "服務商拒絕寄出這封郵件：«{reply}»",
    "summary.loop.deferred": "服務商暫時拒絕了這封郵件（暫時性，未重試）：«{reply}»",
    "summary.loop.not_run": "未執行：{reason}",
    "summary.loop.error": "在{stage}階段中斷：{reason}",
    "summary.loop.quota": "信箱已用 {percent}%（{used} / {limit} KiB）",
    "loop.cleanup.expunged": "已再次刪除（UID EXPUNGE）",
    "loop.cleanup.moved": "已移到垃圾桶",
    "loop.cleanup.not_allowed": "未刪除：伺服器既不支援 UID EXPUNGE 也不支援 MOVE",
    "loop.cleanup.failed": "未刪除：伺服器拒絕了刪除",
    "loop.cleanup.not_found": "無需刪除",
    "loop.reason.no_login": "IMAP 與 SMTP 未能都登入成功",
    "loop.reason.no_submission": "沒有可透過 TLS（465 或 587）寄信的伺服器",
    "loop.reason.no_imap": "沒有可透過 TLS 查看的 IMAP 伺服器",
    "loop.hops.unknown": "未見",
    "loop.hop": "{by}（{protocol}）+{delay} 秒",
}

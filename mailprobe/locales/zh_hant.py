"""Traditional Chinese UI messages (Taiwan usage): message key → `str.format` template."""

MESSAGES: dict[str, str] = {
    # -- 報告標題
    "heading.verdict": "結論",
    "heading.cause": "原因",
    "heading.evidence": "證據",
    "heading.remedies": "處理建議",
    "heading.checks": "檢查項目",
    "heading.provider": "服務商",
    "heading.duration": "耗時",
    "heading.status": "狀態",
    "heading.address": "信箱地址",
    "heading.domain": "網域",
    "heading.started_at": "檢查時間",
    "heading.severity": "嚴重程度",
    "heading.confidence": "可能性",
    "heading.prevention": "預防建議",
    "heading.also_possible": "其他可能原因",
    "also_possible.item": "{cause} — {title}（{likely}）：{tell}",
    "source.section": "原文第 {section} 節",
    "nagios.section": "原文第 {section} 節",
    "confidence.percent": "可能性 {percent}%",
    # -- 整體狀態、檢查狀態、嚴重程度
    "status.ok": "正常",
    "status.warning": "警告",
    "status.critical": "嚴重",
    "status.unknown": "未知",
    "check.pass": "通過",
    "check.warn": "警告",
    "check.fail": "失敗",
    "check.skip": "略過",
    "check.error": "錯誤",
    "severity.critical": "嚴重",
    "severity.warning": "警告",
    # -- 服務商
    "provider.matched_by.mx": "依 MX 記錄辨識",
    "provider.matched_by.forced": "由 --provider 指定",
    "provider.matched_by.generic": "無法辨識，使用通用檢查",
    "provider.unknown": "郵件服務商",
    "provider.mx_failed": "未知",
    "provider.matched_by.mx_failed": "MX 查詢沒有得到回答",
    "provider.generic": "未辨識的服務商",
    # -- `mailprobe settings`（原文 4.2）
    "settings.title": "{address} 的用戶端設定（{provider}）：",
    "settings.login_name": "登入名稱",
    "settings.mx_failed":
        "無法查詢 {domain} 的 MX 記錄（{failure}）：DNS 查詢失敗，因此無法確定服務商。請檢查網路或 DNS，"
        "或用 --provider 指定服務商。",
    "settings.unknown":
        "沒有與 {domain} 相符的服務商設定檔（MX：{mx}）；可嘗試 imap.{domain} 與 smtp.{domain}，"
        "或詢問信箱管理員。",
    "settings.password_note":
        "密碼：填寫信箱密碼；若服務商要求，則填寫用戶端專用密碼（授權碼）（原文第 {section} 節）。",
    "settings.password_note_generic": "密碼：填寫郵箱密碼；如服務商要求，則填寫用戶端專用密碼（授權碼）。",
    "settings.dns_problem":
        "在 DNS 恢復正常之前無法查詢 {domain} 的設定：請在網路正常時重新執行，或用 --provider 指定服務商。",
    "settings.no_domain": "{domain} 不存在（DNS 回應 NXDOMAIN）：請檢查地址是否拼寫正確。",
    "settings.published_title": "{address} 的用戶端設定（由 {domain} 透過 SRV 記錄或自動設定公布）：",
    "settings.guessed_title":
        "沒有服務商設定檔與 {domain}（MX：{mx}）相符，該網域也未公布設定；"
        "以下為常見主機名稱，未經確認（請詢問郵件管理員）：",
    "settings.keep_note": "請把這些設定保存在安全的地方，方便設定下一台裝置（原文第 4.2 節）。",
    "settings.alternate": "備用",
    "settings.tls.implicit": "SSL/TLS",
    "settings.tls.starttls": "STARTTLS",
    "settings.tls.plain": "不加密",
    # 設定檔中備用伺服器的標籤（providers/*.toml 的 label）；未列出的標籤按原樣顯示
    "settings.label.overseas": "海外",
    "settings.label.recommended": "推薦",
    "settings.label.hangzhou": "杭州",
    "settings.label.legacy": "舊版",
    "settings.label.shared": "共用",
    "settings.label.backup": "備用",
    "settings.label.paid_plans": "付費版",
    "settings.label.autoconfig": "由網域公布",
    "settings.label.srv": "SRV 記錄",
    "settings.label.mx": "MX 主機",
    # -- `mailprobe providers`
    "providers.mx": "MX：{examples}",
    "providers.mx_patterns": "MX 比對規則：{patterns}",
    "providers.mx_hidden": "MX：{count} 條比對規則（加 -v 顯示）",
    "providers.section": "原文第 {section} 節",
    # -- `mailprobe history`
    "history.no_run": "{address}：最近 {days} 天內沒有檢查記錄",
    "history.runs": "{address}：最近 {days} 天內檢查了 {count} 次",
    "history.runs.one": "{address}：最近 {days} 天內檢查了 1 次",
    "history.healthy": "{percent}% 的時間狀態正常",
    "history.changes": "狀態變化：",
    "history.worked": "{good} 時正常，自 {since} 起發生故障",
    "history.last_good": "最後一次正常的檢查（{when}）中的對應項目：",
    "history.none_then": "（當時這些項目都沒有檢查）",
    "history.never_healthy": "在此期間從未正常過；自 {since} 起發生故障",
    "history.now": "現在（{when}）：",
    "history.now_report": "現在（{when}，報告編號 {id}）：",
    "history.report_id": "[報告編號 {id}]",
    "progress.checking": "正在檢查",  # the progress bar of a batch on a terminal
    "service.imap": "IMAP",
    "service.pop3": "POP3",
    "service.smtp": "SMTP",
    "service.web": "網頁信箱",
    # -- 單位與短語
    "unit.ms": "{n} 毫秒",
    "unit.seconds": "{n} 秒",
    "unit.minutes": "{n} 分鐘",
    "unit.hours": "{n} 小時",
    "unit.days": "{n} 天",
    "clock.local_behind": "慢了約 {amount}",
    "clock.local_ahead": "快了約 {amount}",
    # -- 與原因無關的結論（各原因的結論句在 diagnosis/causes.toml）
    "verdict.healthy": "一切正常：從這裡看，{provider} 運作良好。",
    "verdict.inconclusive": "部分檢查失敗，但沒有哪一個原因特別突出，請查看下方的檢查項目。",
    "verdict.refused":
        "無法確認任何結果："
        "{domain} 的 DNS 記錄把它的郵件伺服器指向 mailprobe 不會連線的位址（見下方各項檢查）。",
    "verdict.unconfirmed":
        "無法確認任何結果：在 mailprobe 停止之前，{domain} 沒有任何郵件伺服器回應（被時限截斷，"
        "或不允許測試）。請用更長的 --timeout 再執行一次。",
    "verdict.remembered.refused": (
        "{tried} 曾嘗試過一次 {service} 登入，遭到拒絕。{verdict} 未再重試：防鎖定保護（{until} 之後才能再次登入）。"
    ),
    "verdict.remembered.mailbox_refused": (
        "{tried} 曾嘗試過一次 {service} 登入：登入成功，但信箱無法開啟。{verdict}"
        " 未再重試：防鎖定保護（{until} 之後才能再次登入）。"
    ),
    "verdict.remembered.error": (
        "{tried} 曾嘗試過一次 {service} 登入，送出密碼後連線中斷。{verdict}"
        " 未再重試：防鎖定保護（{until} 之後才能再次登入）。"
    ),
    "verdict.guard_unfinished": (
        "未重試登入：上一次登入開始於 {tried}，沒有記錄結果（被截斷、被中斷或仍在進行），"
        "因此無法確定登入是否正常。防鎖定保護允許在 {until} 之後再登入。"
    ),
    "hint.guard_cli": (
        "防鎖定保護讓同一信箱的兩次登入至少間隔 {window}，以免反覆嘗試導致帳號遭鎖定；"
        "--force-login 可以略過它（僅在沒有手機或郵件用戶端同時在重試時使用）。"
    ),
    "time.utc": "UTC {time}",
    "verdict.unfinished.deadline":
        "mailprobe 在給定的 {timeout} 秒內沒能完成：它自己的時限截斷了 {untested} 項檢查（共 {checks} 項），"
        "這些檢查並未測試（這不是 DNS、網路或服務商的問題）。已作出回應的部分沒有顯示任何故障："
        "{answered_kinds}；最慢的回應用了 {slowest_ms} 毫秒（{slowest}）。請用 --timeout {suggested} 再執行一次。",
    "verdict.unfinished.nothing":
        "mailprobe 在給定的 {timeout} 秒內沒能完成：在它自己的時限到達之前沒有任何回應，因此什麼也沒有測試"
        "（這不是 DNS、網路或服務商的問題）。請用 --timeout {suggested} 再執行一次。",
    "verdict.unfinished.starved":
        "mailprobe 本身的 CPU 不足（其事件迴圈最多延遲了 {lag_ms} 毫秒才被喚醒），因此它看到的逾時不能說明 DNS、"
        "網路或服務商有問題。已作出回應的部分沒有顯示任何故障：{answered_kinds}；最慢的回應用了 {slowest_ms}"
        " 毫秒（{slowest}）。請在負載較低的機器上再執行一次，或使用 --timeout {suggested}。",
    "verdict.unfinished.none_answered": "無",
    "kind.dns": "DNS",
    "kind.baseline": "其他服務商",
    "kind.login": "登入",
    "kind.count": "{kind} {count} 項",
    "summary.fail.cut_off": "未測試：mailprobe 自己的時限先到了",
    # -- 出了什麼問題：每個 Failure 一個短語
    "failure.nxdomain": "網域名稱不存在（NXDOMAIN）",
    "failure.no_answer": "沒有該類型的記錄",
    "failure.servfail": "解析器查詢失敗（SERVFAIL）",
    "failure.dns_timeout": "解析器沒有及時回應",
    "failure.no_resolver": "沒有設定 DNS 解析器",
    "failure.refused": "連線遭拒",
    "failure.timeout": "沒有回應：已逾時",
    "failure.reset": "連線遭重設",
    "failure.unreachable": "網路無法連線：沒有通往該主機的路由",
    "failure.closed": "伺服器關閉了連線",
    "failure.tls_verify": "憑證驗證失敗",
    "failure.tls_handshake": "TLS 交握失敗",
    "failure.bad_reply": "回應不符合預期的通訊協定",
    "failure.rejected": "伺服器拒絕提供服務",
    "failure.not_offered": "未提供 STARTTLS",
    "failure.http_status": "HTTP 錯誤狀態",
    "failure.redirect_loop": "重新導向迴圈",
    "failure.too_many_redirects": "重新導向次數過多",
    "failure.no_address": "該主機名稱沒有位址記錄（A/AAAA）",
    "failure.policy": "未跟隨：它從網際網路指向內部網路或本機位址",
    "failure.downgrade": "從 HTTPS 重新導向到未加密的 HTTP（未跟隨）",
    "failure.bad_redirect": "mailprobe 不跟隨的重新導向（不是 HTTPS，或位址無效）",
     "failure.internal": "mailprobe 本身在這一步出錯",
    "stage.resolve": "名稱解析",
    "stage.connect": "建立連線",
    "stage.tls": "TLS 交握",
    "stage.greeting": "等待歡迎訊息",
    "stage.capabilities": "查詢功能清單",
    "stage.starttls": "STARTTLS 升級",
    "stage.http": "HTTP 請求",
    "stage.login": "登入",
    "stage.session": "連線到伺服器以便登入",
    "stage.id": "ID（告知用戶端身分）",
    "stage.auth": "身分驗證",
    "stage.examine": "開啟信箱（EXAMINE）",
    "stage.stat": "開啟信箱（STAT）",
    "stage.logout": "登出",
    "stage.guard": "防鎖定保護",
    "stage.deadline": "mailprobe 自身的時限",
    "stage.internal": "mailprobe 本身",
    "stage.engine": "mailprobe 本身",
    "stage.redirect": "跟隨重新導向",
    "stage.autoconfig": "讀取自動設定檔",
    # -- 每項檢查一行摘要
    # a password typing mistake, said beside any refused login's verdict (not only a wrong password's)
    "hygiene.note_sep": "",
    "hygiene.note.fullwidth": (
        "另外，輸入的密碼中含有全形字元，這通常是輸入法處於全形模式造成的："
        "請切換到半形後重新輸入。"
    ),
    "hygiene.note.ideographic_space": "另外，輸入的密碼中含有中文輸入法的全形空格：請切換到半形後重新輸入。",
    "hygiene.note.surrounding_whitespace": (
        "另外，輸入的密碼開頭或結尾帶有空格或換行，這常是複製貼上帶進來的（授權碼也一樣）："
        "請去掉後再輸入。"
    ),
    "hygiene.note.caps_lock": "另外，輸入的密碼看起來像是在大寫鎖定（Caps Lock）開啟時輸入的：請關閉後重新輸入。",
    "hygiene.note.non_printing": (
        "另外，輸入的密碼中含有看不見的字元（控制字元或零寬字元），"
        "通常來自複製貼上：請手動輸入。"
    ),
    "summary.prefix": "{label}：{text}",
    "summary.join": "，",
    "summary.list_sep": "、",
    "summary.more": "另有 {count} 筆",
    "summary.passed": "正常",
    "summary.skipped": "未檢查",
    "summary.could_not_test": "無法檢查",
    "summary.policy.never": "已拒絕：DNS 將它指向 {ip}（{cls}），郵件伺服器不可能在那裡",
    "summary.policy.named_only":
        "已拒絕：DNS 將它指向 {ip}（{cls}），"
        "mailprobe 只在你親自指定時才連線這類位址（--providers-dir、--baseline）",
    "summary.policy.budget": "未連線：該網域公布的位址超過一次檢查所跟隨的上限",
    "ipclass.public": "公用位址",
    "ipclass.private": "內部網路位址",
    "ipclass.loopback": "本機迴路位址",
    "ipclass.link_local": "鏈路本地位址",
    "ipclass.unspecified": "未指定位址",
    "ipclass.multicast": "群播位址",
    "ipclass.broadcast": "廣播位址",
    "ipclass.metadata": "雲端中繼資料位址",
    "ipclass.reserved": "保留位址",
    "summary.fail.timeout_greeting": "連線後逾時：沒有收到歡迎訊息",
    "summary.fail.timeout_stage": "{stage}階段逾時",
    "summary.fail.reset_stage": "{stage}階段連線遭重設",
    "summary.fail.closed_greeting": "伺服器未傳送歡迎訊息就關閉了連線",
    "summary.fail.closed_stage": "{stage}階段伺服器關閉了連線",
    "summary.fail.rejected": "伺服器拒絕提供服務：«{reply}»",
    "summary.fail.bad_reply": "回應無效：«{reply}»",
    "summary.fail.tls_handshake": "TLS 交握失敗：{reason}",
    "summary.fail.internal": "mailprobe 本身在這一步出錯：{reason}",
    "summary.fail.too_many_redirects": "重新導向次數過多（{count} 次）",
    "summary.fail.http_status": "HTTP {code}",
    "summary.cert.expired": "憑證已過期",
    "summary.cert.expired_on": "憑證已於 {date} 過期",
    "summary.cert.not_yet_valid": "憑證尚未生效",
    "summary.cert.not_yet_valid_until": "憑證要到 {date} 才生效",
    "summary.cert.hostname_mismatch": "憑證屬於另一個主機",
    "summary.cert.hostname_mismatch_names": "憑證屬於另一個主機（{names}）",
    "summary.cert.untrusted": "憑證由不受信任的機構簽發",
    "summary.cert.untrusted_issuer": "憑證由不受信任的機構«{issuer}»簽發",
    "summary.cert.self_signed": "自我簽署憑證",
    "summary.cert.self_signed_subject": "自我簽署憑證«{subject}»",
    "summary.cert.other": "憑證驗證失敗",
    "summary.cert.other_reason": "憑證驗證失敗：{reason}",
    "summary.cert.expires_in": "憑證將在 {days} 天後過期",
    "summary.cert.expires_in.one": "憑證將在 1 天後過期",
    "summary.cert.expires_today": "憑證今天過期",
    # -- 文字報告：報告編號、計數、答覆來源
    "heading.report_id": "報告編號",
    "verdict.healthy_generic": "一切正常：從這裡看，{domain} 的郵件伺服器運作良好。",
    "checks.count.pass": "{count} 項通過",
    "checks.count.warn": "{count} 項有警告",
    "checks.count.fail": "{count} 項失敗",
    "checks.count.error": "{count} 項無法測試",
    "checks.count.skip": "{count} 項未測試",
    "checks.not_probed": "另有 {count} 個位址未探測",
    "checks.verbose_hint": "加 -v 列出全部檢查項目",
    "dns.source.resolver": "本機解析器 {server}",
    "dns.source.authoritative": "權威伺服器 {server}",
    "batch.count": "{status} {count} 個",
    "batch.summary": "共檢查 {count} 個信箱：{parts}。",
    # check --loop: the one message it sends and its progress lines on a terminal (mailprobe/loop/)
    "loop.subject": "mailprobe 收發測試 {loop_id}",
    "loop.body": (
        "這封郵件由 mailprobe 寄出，用來檢查本信箱能否正常收發郵件（測試 {loop_id}）。\n"
        "郵件送達後 mailprobe 會立即刪除它；如果它仍在這裡，可以直接刪除。"
    ),
    "loop.progress.start": "迴圈：快速檢查耗時 {seconds} 秒；現在寄出一封郵件，隨後最多等待 {budget} 秒",
    "loop.progress.sent": "迴圈：已於 {at} 寄往 {to}，最多等待 {budget} 秒……",
    "loop.progress.found": "迴圈：{seconds} 秒後在 {folder} 中找到",
    "loop.progress.waiting": "迴圈：{seconds} 秒後仍未送達……",
}

"""Simplified Chinese UI messages (mainland usage): message key → `str.format` template."""

MESSAGES: dict[str, str] = {
    # -- 报告标题
    "heading.verdict": "结论",
    "heading.cause": "原因",
    "heading.evidence": "证据",
    "heading.remedies": "处理建议",
    "heading.checks": "检查项",
    "heading.provider": "服务商",
    "heading.duration": "耗时",
    "heading.status": "状态",
    "heading.address": "邮箱地址",
    "heading.domain": "域名",
    "heading.started_at": "检查时间",
    "heading.severity": "严重程度",
    "heading.confidence": "可能性",
    "heading.prevention": "预防建议",
    "heading.also_possible": "其他可能原因",
    "also_possible.item": "{cause} — {title}（{likely}）：{tell}",
    "source.section": "原文第 {section} 节",
    "nagios.section": "原文第 {section} 节",
    "confidence.percent": "可能性 {percent}%",
    # -- 总体状态、检查状态、严重程度
    "status.ok": "正常",
    "status.warning": "警告",
    "status.critical": "严重",
    "status.unknown": "未知",
    "check.pass": "通过",
    "check.warn": "警告",
    "check.fail": "失败",
    "check.skip": "跳过",
    "check.error": "出错",
    "severity.critical": "严重",
    "severity.warning": "警告",
    # -- 服务商
    "provider.matched_by.mx": "根据 MX 记录识别",
    "provider.matched_by.forced": "由 --provider 指定",
    "provider.matched_by.generic": "未能识别，使用通用检查",
    "provider.unknown": "邮箱服务商",
    "provider.mx_failed": "未知",
    "provider.matched_by.mx_failed": "MX 查询没有得到回答",
    "provider.generic": "未识别的服务商",
    # -- `mailprobe settings`（原文 4.2）
    "settings.title": "{address} 的客户端设置（{provider}）：",
    "settings.login_name": "登录名",
    "settings.mx_failed":
        "无法查询 {domain} 的 MX 记录（{failure}）：DNS 查询失败，因此无法确定服务商。请检查网络或 DNS，"
        "或用 --provider 指定服务商。",
    "settings.unknown":
        "没有与 {domain} 匹配的服务商配置（MX：{mx}）；可尝试 imap.{domain} 和 smtp.{domain}，"
        "或询问邮箱管理员。",
    "settings.password_note":
        "密码：填写邮箱密码；如服务商要求，则填写客户端专用密码（授权码）（原文第 {section} 节）。",
    "settings.password_note_generic": "密码：填写邮箱密码；如服务商要求，则填写客户端专用密码（授权码）。",
    "settings.dns_problem":
        "在 DNS 恢复正常之前无法查询 {domain} 的设置：请在网络正常时重新运行，或用 --provider 指定服务商。",
    "settings.no_domain": "{domain} 不存在（DNS 返回 NXDOMAIN）：请检查地址是否拼写正确。",
    "settings.published_title": "{address} 的客户端设置（由 {domain} 通过 SRV 记录或自动配置公布）：",
    "settings.guessed_title":
        "没有服务商配置与 {domain}（MX：{mx}）匹配，该域名也未公布设置；"
        "以下为常见主机名，未经确认（请询问邮件管理员）：",
    "settings.keep_note": "请把这些设置保存在安全的地方，方便配置下一台设备（原文第 4.2 节）。",
    "settings.alternate": "备用",
    "settings.tls.implicit": "SSL/TLS",
    "settings.tls.starttls": "STARTTLS",
    "settings.tls.plain": "不加密",
    # 配置文件中备用服务器的标签（providers/*.toml 的 label）；未列出的标签按原样显示
    "settings.label.overseas": "海外",
    "settings.label.recommended": "推荐",
    "settings.label.hangzhou": "杭州",
    "settings.label.legacy": "旧版",
    "settings.label.shared": "共享",
    "settings.label.backup": "备用",
    "settings.label.paid_plans": "付费版",
    "settings.label.autoconfig": "由域名公布",
    "settings.label.srv": "SRV 记录",
    "settings.label.mx": "MX 主机",
    # -- `mailprobe providers`
    "providers.mx": "MX：{examples}",
    "providers.mx_patterns": "MX 匹配规则：{patterns}",
    "providers.mx_hidden": "MX：{count} 条匹配规则（加 -v 显示）",
    "providers.section": "原文第 {section} 节",
    # -- `mailprobe history`
    "history.no_run": "{address}：最近 {days} 天内没有检查记录",
    "history.runs": "{address}：最近 {days} 天内检查了 {count} 次",
    "history.runs.one": "{address}：最近 {days} 天内检查了 1 次",
    "history.healthy": "{percent}% 的时间状态正常",
    "history.changes": "状态变化：",
    "history.worked": "{good} 时正常，自 {since} 起出现故障",
    "history.last_good": "最后一次正常的检查（{when}）中的对应项目：",
    "history.none_then": "（当时这些项目都没有检查）",
    "history.never_healthy": "在此期间从未正常过；自 {since} 起出现故障",
    "history.now": "现在（{when}）：",
    "history.now_report": "现在（{when}，报告编号 {id}）：",
    "history.report_id": "[报告编号 {id}]",
    "progress.checking": "正在检查",  # the progress bar of a batch on a terminal
    "service.imap": "IMAP",
    "service.pop3": "POP3",
    "service.smtp": "SMTP",
    "service.web": "网页邮箱",
    # -- 单位与短语
    "unit.ms": "{n} 毫秒",
    "unit.seconds": "{n} 秒",
    "unit.minutes": "{n} 分钟",
    "unit.hours": "{n} 小时",
    "unit.days": "{n} 天",
    "clock.local_behind": "慢了约 {amount}",
    "clock.local_ahead": "快了约 {amount}",
    # -- 与原因无关的结论（各原因的结论句在 diagnosis/causes.toml）
    "verdict.healthy": "一切正常：从这里看，{provider} 运行良好。",
    "verdict.inconclusive": "部分检查失败，但没有哪一个原因特别突出，请查看下面的检查项。",
    "verdict.refused":
        "无法确认任何结果："
        "{domain} 的 DNS 记录把它的邮件服务器指向 mailprobe 不会连接的地址（见下方各项检查）。",
    "verdict.unconfirmed":
        "无法确认任何结果：在 mailprobe 停止之前，{domain} 没有任何邮件服务器作出回应（被时限截断，"
        "或不允许测试）。请用更长的 --timeout 再运行一次。",
    "verdict.remembered.refused": (
        "{tried} 曾尝试过一次 {service} 登录，被拒绝。{verdict} 未再重试：防锁定保护（{until} 之后才能再次登录）。"
    ),
    "verdict.remembered.mailbox_refused": (
        "{tried} 曾尝试过一次 {service} 登录：登录成功，但邮箱无法打开。{verdict}"
        " 未再重试：防锁定保护（{until} 之后才能再次登录）。"
    ),
    "verdict.remembered.error": (
        "{tried} 曾尝试过一次 {service} 登录，发送密码后连接中断。{verdict}"
        " 未再重试：防锁定保护（{until} 之后才能再次登录）。"
    ),
    "verdict.guard_unfinished": (
        "未重试登录：上一次登录开始于 {tried}，没有记录结果（被截断、被中断或仍在进行），"
        "因此无法确定登录是否正常。防锁定保护允许在 {until} 之后再登录。"
    ),
    "hint.guard_cli": (
        "防锁定保护让同一邮箱的两次登录至少间隔 {window}，以免反复尝试导致账号被锁定；"
        "--force-login 可以跳过它（仅在没有手机或邮件客户端同时在重试时使用）。"
    ),
    "time.utc": "UTC {time}",
    "verdict.unfinished.deadline":
        "mailprobe 在给定的 {timeout} 秒内没能完成：它自己的时限截断了 {untested} 项检查（共 {checks} 项），"
        "这些检查并未测试（这不是 DNS、网络或服务商的问题）。已作出回应的部分没有显示任何故障："
        "{answered_kinds}；最慢的回应用了 {slowest_ms} 毫秒（{slowest}）。请用 --timeout {suggested} 再运行一次。",
    "verdict.unfinished.nothing":
        "mailprobe 在给定的 {timeout} 秒内没能完成：在它自己的时限到达之前没有任何回应，因此什么也没有测试"
        "（这不是 DNS、网络或服务商的问题）。请用 --timeout {suggested} 再运行一次。",
    "verdict.unfinished.starved":
        "mailprobe 自身的 CPU 不足（其事件循环最多延迟了 {lag_ms} 毫秒才被唤醒），因此它看到的超时不能说明 DNS、"
        "网络或服务商有问题。已作出回应的部分没有显示任何故障：{answered_kinds}；最慢的回应用了 {slowest_ms}"
        " 毫秒（{slowest}）。请在负载较低的机器上再运行一次，或使用 --timeout {suggested}。",
    "verdict.unfinished.none_answered": "无",
    "kind.dns": "DNS",
    "kind.baseline": "其他服务商",
    "kind.login": "登录",
    "kind.count": "{kind} {count} 项",
    "summary.fail.cut_off": "未测试：mailprobe 自己的时限先到了",
    # -- 出了什么问题：每个 Failure 一个短语
    "failure.nxdomain": "域名不存在（NXDOMAIN）",
    "failure.no_answer": "没有该类型的记录",
    "failure.servfail": "解析器查询失败（SERVFAIL）",
    "failure.dns_timeout": "解析器没有及时响应",
    "failure.no_resolver": "没有配置 DNS 解析器",
    "failure.refused": "连接被拒绝",
    "failure.timeout": "无响应：已超时",
    "failure.reset": "连接被重置",
    "failure.unreachable": "网络不可达：没有到该主机的路由",
    "failure.closed": "服务器关闭了连接",
    "failure.tls_verify": "证书验证失败",
    "failure.tls_handshake": "TLS 握手失败",
    "failure.bad_reply": "回复不符合预期的协议",
    "failure.rejected": "服务器拒绝提供服务",
    "failure.not_offered": "未提供 STARTTLS",
    "failure.http_status": "HTTP 错误状态",
    "failure.redirect_loop": "循环跳转",
    "failure.too_many_redirects": "跳转次数过多",
    "failure.no_address": "该主机名没有地址记录（A/AAAA）",
    "failure.policy": "未跟随：它从互联网指向内网或本机地址",
    "failure.downgrade": "从 HTTPS 重定向到不加密的 HTTP（未跟随）",
    "failure.bad_redirect": "mailprobe 不跟随的重定向（不是 HTTPS，或地址无效）",
     "failure.internal": "mailprobe 自身在这一步出错",
    "stage.resolve": "域名解析",
    "stage.connect": "建立连接",
    "stage.tls": "TLS 握手",
    "stage.greeting": "等待欢迎信息",
    "stage.capabilities": "查询能力列表",
    "stage.starttls": "STARTTLS 升级",
    "stage.http": "HTTP 请求",
    "stage.login": "登录",
    "stage.session": "连接服务器以便登录",
    "stage.id": "ID（告知客户端身份）",
    "stage.auth": "身份验证",
    "stage.examine": "打开邮箱（EXAMINE）",
    "stage.stat": "打开邮箱（STAT）",
    "stage.logout": "退出登录",
    "stage.guard": "防锁定保护",
    "stage.deadline": "mailprobe 自身的时限",
    "stage.internal": "mailprobe 自身",
    "stage.engine": "mailprobe 自身",
    "stage.redirect": "跟随重定向",
    "stage.autoconfig": "读取自动配置文件",
    # -- 每项检查一行摘要
    # a password typing mistake, said beside any refused login's verdict (not only a wrong password's)
    "hygiene.note_sep": "",
    "hygiene.note.fullwidth": (
        "另外，输入的密码中含有全角字符，这通常是输入法处于全角模式造成的："
        "请切换到半角后重新输入。"
    ),
    "hygiene.note.ideographic_space": "另外，输入的密码中含有中文输入法的全角空格：请切换到半角后重新输入。",
    "hygiene.note.surrounding_whitespace": (
        "另外，输入的密码开头或结尾带有空格或换行，这常是复制粘贴带进来的（授权码也一样）："
        "请去掉后再输入。"
    ),
    "hygiene.note.caps_lock": "另外，输入的密码看起来像是在大写锁定（Caps Lock）开启时输入的：请关闭后重新输入。",
    "hygiene.note.non_printing": (
        "另外，输入的密码中含有看不见的字符（控制字符或零宽字符），"
        "通常来自复制粘贴：请手动输入。"
    ),
    "summary.prefix": "{label}：{text}",
    "summary.join": "，",
    "summary.list_sep": "、",
    "summary.more": "另有 {count} 条",
    "summary.passed": "正常",
    "summary.skipped": "未检查",
    "summary.could_not_test": "无法检查",
    "summary.policy.never": "已拒绝：DNS 将它指向 {ip}（{cls}），邮件服务器不可能在那里",
    "summary.policy.named_only":
        "已拒绝：DNS 将它指向 {ip}（{cls}），"
        "mailprobe 只在你亲自指定时才连接这类地址（--providers-dir、--baseline）",
    "summary.policy.budget": "未连接：该域名公布的地址超过一次检查所跟随的上限",
    "ipclass.public": "公网地址",
    "ipclass.private": "内网地址",
    "ipclass.loopback": "本机回环地址",
    "ipclass.link_local": "链路本地地址",
    "ipclass.unspecified": "未指定地址",
    "ipclass.multicast": "组播地址",
    "ipclass.broadcast": "广播地址",
    "ipclass.metadata": "云元数据地址",
    "ipclass.reserved": "保留地址",
    "summary.fail.timeout_greeting": "连接后超时：没有收到欢迎信息",
    "summary.fail.timeout_stage": "{stage}阶段超时",
    "summary.fail.reset_stage": "{stage}阶段连接被重置",
    "summary.fail.closed_greeting": "服务器未发送欢迎信息就关闭了连接",
    "summary.fail.closed_stage": "{stage}阶段服务器关闭了连接",
    "summary.fail.rejected": "服务器拒绝提供服务：«{reply}»",
    "summary.fail.bad_reply": "回复无效：«{reply}»",
    "summary.fail.tls_handshake": "TLS 握手失败：{reason}",
    "summary.fail.internal": "mailprobe 自身在这一步出错：{reason}",
    "summary.fail.too_many_redirects": "跳转次数过多（{count} 次）",
    "summary.fail.http_status": "HTTP {code}",
    "summary.cert.expired": "证书已过期",
    "summary.cert.expired_on": "证书已于 {date} 过期",
    "summary.cert.not_yet_valid": "证书尚未生效",
    "summary.cert.not_yet_valid_until": "证书要到 {date} 才生效",
    "summary.cert.hostname_mismatch": "证书属于另一个主机",
    "summary.cert.hostname_mismatch_names": "证书属于另一个主机（{names}）",
    "summary.cert.untrusted": "证书由不受信任的机构签发",
    "summary.cert.untrusted_issuer": "证书由不受信任的机构«{issuer}»签发",
    "summary.cert.self_signed": "自签名证书",
    "summary.cert.self_signed_subject": "自签名证书«{subject}»",
    "summary.cert.other": "证书验证失败",
    "summary.cert.other_reason": "证书验证失败：{reason}",
    "summary.cert.expires_in": "证书将在 {days} 天后过期",
    "summary.cert.expires_in.one": "证书将在 1 天后过期",
    "summary.cert.expires_today": "证书今天过期",
    # -- 文本报告：报告编号、计数、答复来源
    "heading.report_id": "报告编号",
    "verdict.healthy_generic": "一切正常：从这里看，{domain} 的邮件服务器运行良好。",
    "checks.count.pass": "{count} 项通过",
    "checks.count.warn": "{count} 项有警告",
    "checks.count.fail": "{count} 项失败",
    "checks.count.error": "{count} 项无法测试",
    "checks.count.skip": "{count} 项未测试",
    "checks.not_probed": "另有 {count} 个地址未探测",
    "checks.verbose_hint": "加 -v 列出全部检查项",
    "dns.source.resolver": "本机解析器 {server}",
    "dns.source.authoritative": "权威服务器 {server}",
    "batch.count": "{status} {count} 个",
    "batch.summary": "共检查 {count} 个邮箱：{parts}。",
    # check --loop: the one message it sends and its progress lines on a terminal (mailprobe/loop/)
    "loop.subject": "mailprobe 收发测试 {loop_id}",
    "loop.body": (
        "这封邮件由 mailprobe 发送，用于检查本邮箱能否正常收发邮件（测试 {loop_id}）。\n"
        "邮件到达后 mailprobe 会立即删除它；如果它仍在这里，可以直接删除。"
    ),
    "loop.progress.start": "回环：快速检查用时 {seconds} 秒；现在发送一封邮件，随后最多等待 {budget} 秒",
    "loop.progress.sent": "回环：已于 {at} 发往 {to}，最多等待 {budget} 秒……",
    "loop.progress.found": "回环：{seconds} 秒后在 {folder} 中找到",
    "loop.progress.waiting": "回环：{seconds} 秒后仍未到达……",
}

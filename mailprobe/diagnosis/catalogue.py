"""The cause catalogue: per cause its article section, severity, title, explanation and remedies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from mailprobe.causes import Cause
from mailprobe.lang import Lang
from mailprobe.profiles import LocalText

Severity = Literal["critical", "warning"]

# The sections of the source article (seed/000_aa02241d3ef762ef.txt) that texts may cite.
ARTICLE_SECTIONS: frozenset[str] = frozenset(
    [f"2.{n}" for n in range(1, 7)] + [f"3.{n}" for n in range(1, 7)] + [f"4.{n}" for n in range(1, 5)]
    + ["5", "5.1", "5.2", "5.3"]
)
_REMEDY_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class Text(LocalText):
    """A catalogue text in three languages; `text(lang)` is short for `text.get(lang)`."""

    def __call__(self, lang: Lang) -> str:
        return self.get(lang)


def _text(en: str, zh_hans: str, zh_hant: str) -> Text:
    return Text.model_validate({"en": en, "zh-Hans": zh_hans, "zh-Hant": zh_hant})


def _cited(section: str, allowed: str) -> str:
    if section not in ARTICLE_SECTIONS or section[0] not in allowed:
        raise ValueError(f"'{section}' is not an article section of {', '.join(allowed)}.x")
    return section


class CatalogueRemedy(BaseModel):
    """One thing to do: a stable id, the section it cites (3.x, 4.x prevention, 5.x provider), a text."""

    model_config = ConfigDict(frozen=True)

    id: str
    section: str
    text: Text

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _REMEDY_ID.match(value):
            raise ValueError(f"remedy id '{value}' is not snake_case")
        return value

    @field_validator("section")
    @classmethod
    def _section(cls, value: str) -> str:
        return _cited(value, "345")


class CauseEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    cause: Cause
    section: str  # where the article names the cause (2.x), or its provider notes (5.x)
    severity: Severity  # the default; a rule may lower or raise it for its case
    title: Text
    explanation: Text
    remedies: tuple[CatalogueRemedy, ...]

    @field_validator("section")
    @classmethod
    def _section(cls, value: str) -> str:
        return _cited(value, "25")

    @field_validator("remedies")
    @classmethod
    def _remedies(cls, value: tuple[CatalogueRemedy, ...]) -> tuple[CatalogueRemedy, ...]:
        ids = [r.id for r in value]
        if not 2 <= len(value) <= 4 or len(set(ids)) != len(ids):
            raise ValueError("a cause has 2 to 4 remedies with distinct ids")
        return value

    @property
    def remedy_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.remedies)

    def remedy(self, remedy_id: str) -> CatalogueRemedy:
        for remedy in self.remedies:
            if remedy.id == remedy_id:
                return remedy
        raise KeyError(f"{self.cause.value} has no remedy '{remedy_id}'")


def _remedy(remedy_id: str, section: str, en: str, zh_hans: str, zh_hant: str) -> CatalogueRemedy:
    return CatalogueRemedy(id=remedy_id, section=section, text=_text(en, zh_hans, zh_hant))


def _entry(
    cause: Cause, section: str, severity: Severity, title: Text, explanation: Text,
    *remedies: CatalogueRemedy,
) -> CauseEntry:
    return CauseEntry(
        cause=cause, section=section, severity=severity, title=title, explanation=explanation,
        remedies=remedies,
    )



_ENTRIES: tuple[CauseEntry, ...] = (
    _entry(
        Cause.PASSWORD_INCORRECT, "2.1", "critical",
        _text("Wrong password or login name", "密码或登录名错误", "密碼或登入名稱錯誤"),
        _text(
            "The mail server received the login but refused the credentials: the password (or the login "
            "name) "
            "it was given is not the one on the account.",
            "邮件服务器收到了登录请求，但拒绝了所给的凭据：输入的密码（或登录名）与账号上的不一致。",
            "郵件伺服器收到了登入請求，但拒絕了所給的憑據：輸入的密碼（或登入名稱）與帳號上的不一致。",
        ),
        _remedy(
            "retype_password", "3.1",
            "Type the password again slowly: switch the input method to half-width English letters, check "
            "that "
            "Caps Lock is off, and make sure no space came along when it was copied and pasted.",
            "放慢速度重新输入密码：把输入法切换到半角英文，确认大写锁定（Caps Lock）已关闭，"
            "并检查复制粘贴时是否带上了多余的空格。",
            "放慢速度重新輸入密碼：把輸入法切換到半形英文，確認大寫鎖定（Caps Lock）已關閉，"
            "並檢查複製貼上時是否帶進了多餘的空格。",
        ),
        _remedy(
            "use_full_address", "3.1",
            "Log in with the full mail address (name@company.com) as the user name; most enterprise mail "
            "servers reject the short name.",
            "用户名请填写完整的邮箱地址（name@company.com），多数企业邮箱服务器不接受只写前缀的登录名。",
            "使用者名稱請填寫完整的電子郵件地址（name@company.com），"
            "多數企業郵件伺服器不接受只寫前綴的登入名稱。",
        ),
        _remedy(
            "reset_password", "3.1",
            "If the password is forgotten, reset it with the provider's password recovery, which sends a "
            "code "
            "to the phone or backup address on file, or ask the mail administrator to set a new one.",
            "如果忘记了密码，可使用服务商的找回密码功能，通过账号绑定的手机或备用邮箱接收验证码后重设；"
            "也可以请邮箱管理员直接重置。",
            "如果忘了密碼，可使用服務商的密碼找回功能，以帳號綁定的手機或備用信箱收取驗證碼後重設；"
            "也可以請信箱管理員直接重設。",
        ),
    ),
    _entry(
        Cause.ACCOUNT_LOCKED, "2.2", "critical",
        _text("Account locked", "账号被锁定", "帳號遭鎖定"),
        _text(
            "After repeated failed logins the provider has locked, frozen or rate-limited the account to "
            "protect it, so for a while even the right password is refused.",
            "多次登录失败后，服务商为保护账号已将其锁定、冻结或限制登录频率，"
            "在此期间即使密码正确也会被拒绝。",
            "多次登入失敗後，服務商為保護帳號已將其鎖定、凍結或限制登入頻率，"
            "在此期間即使密碼正確也會被拒絕。",
        ),
        _remedy(
            "stop_retrying", "3.2",
            "Stop trying for now, and close or pause every phone, tablet and mail client that may still be "
            "retrying with an old saved password: each attempt can extend the lock.",
            "先停止尝试，同时关闭或暂停仍可能用旧密码自动重试的手机、平板和邮件客户端："
            "每次重试都可能延长锁定时间。",
            "先停止嘗試，同時關閉或暫停仍可能以舊密碼自動重試的手機、平板和郵件用戶端："
            "每次重試都可能延長鎖定時間。",
        ),
        _remedy(
            "wait_for_unlock", "3.2",
            "Wait for the automatic unlock (often 15 minutes to an hour, depending on the provider), then "
            "log "
            "in once, carefully.",
            "等待系统自动解锁（视服务商而定，通常为 15 分钟到 1 小时），然后仔细地只登录一次。",
            "等待系統自動解鎖（視服務商而定，通常為 15 分鐘到 1 小時），然後仔細地只登入一次。",
        ),
        _remedy(
            "ask_admin_unlock", "3.2",
            "If it cannot wait, ask the company's mail administrator to unlock the account in the admin "
            "console, and to reset the password if it may have leaked.",
            "如果等不及，请公司的邮箱管理员在管理后台解锁该账号；若怀疑密码已泄露，同时请其重置密码。",
            "如果等不及，請公司的信箱管理員在管理後台解鎖該帳號；若懷疑密碼已外洩，也請其重設密碼。",
        ),
        _remedy(
            "provider_hotline", "5.1",
            "Administrators of NetEase enterprise mail can also have a locked account released through "
            "NetEase's customer service hotline.",
            "网易企业邮箱的管理员也可以拨打网易客服热线，为被锁定的账号解锁。",
            "網易企業郵箱的管理員也可以撥打網易客服專線，為遭鎖定的帳號解鎖。",
        ),
    ),
    _entry(
        Cause.SERVER_OUTAGE, "2.3", "critical",
        _text("Provider's mail servers failing", "邮件服务器故障", "郵件伺服器故障"),
        _text(
            "Your network reaches other services, but the provider's mail servers refuse, drop or garble "
            "connections, so the fault is on their side.",
            "你的网络可以正常访问其他服务，但服务商的邮件服务器拒绝、中断连接或回应异常，"
            "问题出在服务商一侧。",
            "你的網路可以正常連上其他服務，但服務商的郵件伺服器拒絕、中斷連線或回應異常，"
            "問題出在服務商那一端。",
        ),
        _remedy(
            "check_status_page", "3.3",
            "Look at the provider's status page, announcements or admin console notices for maintenance or "
            "an "
            "incident before changing anything on this computer.",
            "先查看服务商的服务状态页、公告或管理后台通知，确认是否有维护或故障，再决定是否改动本机设置。",
            "先查看服務商的服務狀態頁、公告或管理後台通知，確認是否有維護或故障，再決定是否變更本機設定。",
        ),
        _remedy(
            "contact_provider_support", "3.3",
            "Report it to the provider's support with this report (host, port, time and the server's reply), "
            "or ask the mail administrator to do so.",
            "把本报告（主机、端口、时间和服务器的回复）提交给服务商客服，或请邮箱管理员代为报障。",
            "將本報告（主機、連接埠、時間與伺服器的回應）提交給服務商客服，或請信箱管理員代為報修。",
        ),
        _remedy(
            "try_alternate_host", "3.3",
            "Meanwhile use the provider's alternate server or webmail (for example its overseas or backup "
            "host), and return to the usual host once it answers again.",
            "在此期间可改用服务商的备用服务器或网页邮箱（例如海外或备用主机），等原服务器恢复后再切换回来。",
            "在此期間可改用服務商的備用伺服器或網頁信箱（例如海外或備用主機），"
            "等原本的伺服器恢復後再切換回來。",
        ),
    ),
    _entry(
        Cause.NETWORK_PROBLEM, "2.4", "critical",
        _text("Problem with your own network", "本地网络问题", "本地網路問題"),
        _text(
            "The connection fails on this side: neither the mail servers nor other providers can be reached "
            "from this network, so the provider itself is not to blame.",
            "问题出在本机这一侧：从当前网络既连不上邮件服务器，也连不上其他服务商，"
            "因此不是服务商本身的问题。",
            "問題出在本機這一端：從目前的網路既連不上郵件伺服器，也連不上其他服務商，"
            "因此不是服務商本身的問題。",
        ),
        _remedy(
            "try_other_network", "3.4",
            "Try again on another network, such as a phone's mobile hotspot: if mail works there, the first "
            "network is blocking or breaking it.",
            "换一个网络再试，例如手机的移动热点：如果在那里可以收发邮件，就说明原来的网络拦截或破坏了连接。",
            "換一個網路再試，例如手機的行動熱點：如果在那裡能收發郵件，就代表原本的網路攔截或干擾了連線。",
        ),
        _remedy(
            "check_firewall_ports", "3.4",
            "Ask IT whether the office firewall lets the mail ports out: 993 (IMAP), 995 (POP3), 465 and 587 "
            "(SMTP) and 443 (webmail).",
            "请 IT 确认办公室防火墙是否放行邮件端口：993（IMAP）、995（POP3）、465 和 587（SMTP）以及 "
            "443（网页邮箱）。",
            "請 IT 確認辦公室防火牆是否放行郵件連接埠：993（IMAP）、995（POP3）、465 與 587（SMTP）以及 "
            "443（網頁信箱）。",
        ),
        _remedy(
            "check_portal_proxy_vpn", "3.4",
            "On hotel or guest Wi-Fi, open any web page and complete the sign-in portal first; then check "
            "that "
            "no stale proxy or VPN setting is diverting the traffic.",
            "在酒店或访客 Wi-Fi 上，先打开任意网页完成认证登录页；然后检查是否有过时的代理或 VPN "
            "设置在转走流量。",
            "在飯店或訪客 Wi-Fi 上，先開啟任一網頁完成認證登入頁面；接著檢查是否有過時的代理伺服器或 VPN "
            "設定在轉走流量。",
        ),
        _remedy(
            "restart_router", "3.4",
            "If the connection keeps dropping, restart the router or modem (and the computer's network "
            "adapter), then run the check again.",
            "如果连接反复中断，重启路由器或光猫（以及电脑的网卡），然后重新检查。",
            "如果連線反覆中斷，重新啟動路由器或數據機（以及電腦的網路卡），然後再檢查一次。",
        ),
    ),
    _entry(
        Cause.DNS_RESOLUTION_PROBLEM, "2.4", "critical",
        _text("DNS resolution failing", "DNS 解析故障", "DNS 解析失敗"),
        _text(
            "The DNS resolver this computer uses does not answer, fails or answers wrongly, so the mail "
            "servers' names cannot be turned into addresses.",
            "本机使用的 DNS 解析器没有响应、解析失败或返回错误结果，导致无法把邮件服务器的域名解析为地址。",
            "本機使用的 DNS 解析器沒有回應、解析失敗或傳回錯誤結果，"
            "導致無法將郵件伺服器的網域名稱解析成位址。",
        ),
        _remedy(
            "flush_dns_cache", "3.4",
            "Flush the DNS cache (Windows: ipconfig /flushdns; macOS: sudo dscacheutil -flushcache) and "
            "reconnect to the network.",
            "清除 DNS 缓存（Windows：ipconfig /flushdns；macOS：sudo dscacheutil -flushcache），"
            "然后重新连接网络。",
            "清除 DNS 快取（Windows：ipconfig /flushdns；macOS：sudo dscacheutil -flushcache），"
            "然後重新連上網路。",
        ),
        _remedy(
            "switch_dns_server", "3.4",
            "Point the network connection at another DNS server, such as the one your IT department or "
            "internet provider recommends, and retry.",
            "把网络连接的 DNS 服务器改为另一台，例如公司 IT 部门或运营商推荐的服务器，然后重试。",
            "將網路連線的 DNS 伺服器改為另一台，例如公司 IT 部門或網路業者建議的伺服器，然後重試。",
        ),
        _remedy(
            "compare_other_network", "3.4",
            "Compare from another network (a phone hotspot): if the names resolve there, the local router or "
            "the company's resolver is at fault.",
            "在另一个网络（如手机热点）上对比：如果那里能正常解析，问题就出在本地路由器或公司的 DNS 服务器。",
            "在另一個網路（如手機熱點）上比對：如果那裡能正常解析，問題就出在本地路由器或公司的 DNS 伺服器。",
        ),
    ),
    _entry(
        Cause.BROWSER_COMPATIBILITY, "2.5", "warning",
        _text("Webmail does not work with the browser", "网页邮箱与浏览器不兼容", "網頁信箱與瀏覽器不相容"),
        _text(
            "The webmail site is up, but what it serves (outdated TLS versions, broken redirects or page "
            "resources) can keep a browser from showing the login page.",
            "网页邮箱站点在线，但它提供的内容（过时的 TLS 版本、异常的跳转或页面资源）"
            "可能让浏览器无法显示登录页面。",
            "網頁信箱網站在線上，但它提供的內容（過時的 TLS 版本、異常的重新導向或頁面資源）"
            "可能讓瀏覽器無法顯示登入頁面。",
        ),
        _remedy(
            "update_or_switch_browser", "3.5",
            "Update the browser to its latest version, or open webmail in a different one (Chrome, Edge, "
            "Firefox or Safari).",
            "把浏览器更新到最新版本，或换一个浏览器（Chrome、Edge、Firefox 或 Safari）打开网页邮箱。",
            "將瀏覽器更新到最新版本，或改用另一個瀏覽器（Chrome、Edge、Firefox 或 Safari）開啟網頁信箱。",
        ),
        _remedy(
            "clear_cache_cookies", "3.5",
            "Clear the browser's cache and cookies for the webmail site (or try a private window), then "
            "reload the login page.",
            "清除该网页邮箱站点的浏览器缓存和 Cookie（或改用无痕窗口），再重新打开登录页。",
            "清除該網頁信箱網站的瀏覽器快取與 Cookie（或改用無痕視窗），再重新開啟登入頁面。",
        ),
        _remedy(
            "disable_extensions", "3.5",
            "Turn off ad blockers and other extensions for the site, since they can block the scripts the "
            "login page needs.",
            "对该站点停用广告拦截等浏览器扩展，它们可能会拦截登录页所需的脚本。",
            "對該網站停用廣告封鎖等瀏覽器擴充功能，它們可能會攔截登入頁面所需的指令碼。",
        ),
    ),
    _entry(
        Cause.ACCOUNT_NOT_ACTIVATED, "2.6", "critical",
        _text("Account not activated or expired", "账号未激活或已过期", "帳號未啟用或已過期"),
        _text(
            "The server says the account, or the company's mail service, has not been activated yet, has "
            "expired or has been disabled.",
            "服务器表示该账号（或公司的邮箱服务）尚未激活、已过期或已被停用。",
            "伺服器表示該帳號（或公司的郵件服務）尚未啟用、已過期或已被停用。",
        ),
        _remedy(
            "find_activation_mail", "3.6",
            "Search the inbox given at sign-up (spam folder included) for the activation message, and follow "
            "its link before it expires.",
            "在注册时填写的邮箱（包括垃圾邮件箱）中查找激活邮件，并在链接失效前点击完成激活。",
            "在註冊時填寫的信箱（包括垃圾郵件匣）中尋找啟用郵件，並在連結失效前點選完成啟用。",
        ),
        _remedy(
            "ask_admin_activate", "3.6",
            "Ask the mail administrator to check the account in the admin console: enabled, not expired, not "
            "deleted, and with a mailbox licence assigned.",
            "请邮箱管理员在管理后台检查该账号：已启用、未过期、未被删除，并且已分配邮箱授权。",
            "請信箱管理員在管理後台檢查該帳號：已啟用、未過期、未被刪除，且已分配信箱授權。",
        ),
        _remedy(
            "renew_subscription", "3.6",
            "If every account of the domain is refused, the company's mail subscription may have lapsed: the "
            "administrator should renew it with the provider.",
            "如果该域名下所有账号都被拒绝，可能是公司的邮箱服务已到期，需由管理员向服务商续费。",
            "如果該網域下的所有帳號都被拒絕，可能是公司的郵件服務已到期，需由管理員向服務商續約。",
        ),
    ),
    _entry(
        Cause.MX_NOT_CONFIGURED, "2.6", "critical",
        _text("Domain's MX not set up", "域名 MX 记录未配置", "網域 MX 記錄未設定"),
        _text(
            "The domain has no MX record, a null MX, or an MX pointing somewhere other than its mail "
            "provider, "
            "so the mailbox is not live on the internet.",
            "该域名没有 MX 记录、只有空 MX，或 MX 指向的并非其邮箱服务商，因此这个邮箱实际上尚未开通。",
            "該網域沒有 MX 記錄、只有空 MX，或 MX 指向的並非其郵件服務商，因此這個信箱實際上尚未開通。",
        ),
        _remedy(
            "point_mx_to_provider", "3.6",
            "The domain's administrator must add the provider's MX records (host names and priorities from "
            "the "
            "provider's setup guide) at the domain's DNS host.",
            "域名管理员需要在域名的 DNS 托管处添加服务商要求的 MX 记录（主机名和优先级见服务商的配置说明）。",
            "網域管理員需要在網域的 DNS 代管處新增服務商要求的 MX "
            "記錄（主機名稱與優先順序見服務商的設定說明）。",
        ),
        _remedy(
            "check_domain_expiry", "3.6",
            "Check with the registrar that the domain itself has not expired or been suspended: an expired "
            "domain loses its DNS records.",
            "向域名注册商确认域名本身没有过期或被暂停：域名过期后其 DNS 记录会失效。",
            "向網域註冊商確認網域本身沒有過期或遭停用：網域過期後其 DNS 記錄會失效。",
        ),
        _remedy(
            "check_mail_activation", "3.6",
            "Confirm in the provider's admin console that the domain has passed verification and that the "
            "mail "
            "service is activated for it.",
            "在服务商的管理后台确认该域名已通过验证，且邮箱服务已为其开通。",
            "在服務商的管理後台確認該網域已通過驗證，且郵件服務已為其開通。",
        ),
        _remedy(
            "wait_for_propagation", "3.6",
            "After changing MX records, allow for the old record's TTL (up to a day or two) before judging "
            "the result.",
            "修改 MX 记录后，需等待旧记录的 TTL 过期（最长可能一两天）再判断是否生效。",
            "修改 MX 記錄後，需等舊記錄的 TTL 到期（最長可能一兩天）再判斷是否生效。",
        ),
    ),
    _entry(
        Cause.CLIENT_AUTH_CODE_REQUIRED, "5.2", "critical",
        _text(
            "Client password (authorization code) required",
            "需要客户端专用密码（授权码）",
            "需要用戶端專用密碼（授權碼）",
        ),
        _text(
            "With two-step verification or secure login turned on, the provider accepts only a "
            "client-specific password in mail apps, not the mailbox password.",
            "开启二次验证或安全登录后，服务商在邮件客户端中只接受客户端专用密码，而不接受邮箱登录密码。",
            "開啟兩步驟驗證或安全登入後，服務商在郵件用戶端中只接受用戶端專用密碼，而不接受信箱登入密碼。",
        ),
        _remedy(
            "generate_client_password", "5.2",
            "Log in to webmail and generate a client password: Tencent Exmail under Settings › Mailbox "
            "binding › client-specific password, NetEase under client settings › authorization password, "
            "Alibaba under account security › third-party client password.",
            "登录网页邮箱生成客户端专用密码：腾讯企业邮箱在“设置 › 邮箱绑定 › 客户端专用密码”，"
            "网易企业邮箱在“客户端设置 › 客户端授权密码”，阿里企业邮箱在“账户与安全 › 三方客户端安全密码”。",
            "登入網頁信箱產生用戶端專用密碼：騰訊企業郵箱在「設定 › 信箱綁定 › 用戶端專用密碼」，"
            "網易企業郵箱在「用戶端設定 › 用戶端授權密碼」，阿里企業郵箱在「帳戶與安全 › "
            "第三方用戶端安全密碼」。",
        ),
        _remedy(
            "enter_code_in_client", "5.2",
            "Put that code into the password field of every mail app and phone instead of the mailbox "
            "password; the mailbox password stays for webmail.",
            "在每个邮件客户端和手机上，把密码栏改填这个授权码，而不是邮箱密码；邮箱密码仍用于网页登录。",
            "在每個郵件用戶端與手機上，把密碼欄改填這組授權碼，而不是信箱密碼；信箱密碼仍用於網頁登入。",
        ),
        _remedy(
            "bind_phone_first", "5.2",
            "If the option is missing, bind a phone (for Tencent, WeChat) to the account first; codes can "
            "expire or be revoked, so make a new one when an old one stops working.",
            "如果找不到该选项，需先为账号绑定手机（腾讯企业邮箱为微信）；授权码可能过期或被撤销，"
            "旧的失效时请重新生成。",
            "如果找不到該選項，需先為帳號綁定手機（騰訊企業郵箱為微信）；授權碼可能過期或被撤銷，"
            "舊的失效時請重新產生。",
        ),
    ),
    _entry(
        Cause.PROTOCOL_DISABLED, "2.6", "critical",
        _text(
            "IMAP / POP3 / SMTP access switched off",
            "IMAP / POP3 / SMTP 服务未开启",
            "IMAP / POP3 / SMTP 服務未開啟",
        ),
        _text(
            "The password may be right, but client access over IMAP, POP3 or SMTP is switched off for this "
            "account, by its own settings or by company policy.",
            "密码可能是对的，但该账号的 IMAP、POP3 或 SMTP 客户端访问已被关闭，可能是个人设置，"
            "也可能是公司策略。",
            "密碼可能是對的，但該帳號的 IMAP、POP3 或 SMTP 用戶端存取已被關閉，可能來自個人設定，"
            "也可能是公司政策。",
        ),
        _remedy(
            "enable_protocol_in_webmail", "3.6",
            "In webmail, open the client access settings (Tencent Exmail: Settings › Receiving and sending) "
            "and switch on IMAP/SMTP or POP3/SMTP, then save.",
            "在网页邮箱中打开客户端收发设置（腾讯企业邮箱：“设置 › 收发信设置”），开启 IMAP/SMTP 或 "
            "POP3/SMTP 服务并保存。",
            "在網頁信箱中開啟用戶端收發設定（騰訊企業郵箱：「設定 › 收發信設定」），開啟 IMAP/SMTP 或 "
            "POP3/SMTP 服務並儲存。",
        ),
        _remedy(
            "ask_admin_allow_clients", "4.3",
            "If the switch is missing or greyed out, the administrator has to allow third-party clients, or "
            "these protocols, for the account in the admin console.",
            "如果找不到该开关或无法勾选，需要管理员在管理后台为该账号允许第三方客户端或这些协议。",
            "如果找不到該開關或無法勾選，需要管理員在管理後台為該帳號允許第三方用戶端或這些通訊協定。",
        ),
    ),
    _entry(
        Cause.TLS_CERTIFICATE_PROBLEM, "2.4", "critical",
        _text("Certificate does not verify", "证书验证失败", "憑證驗證失敗"),
        _text(
            "The certificate presented for the mail server is expired, not yet valid, made out to another "
            "name "
            "or signed by an issuer this computer does not trust, so the connection cannot be trusted.",
            "邮件服务器出示的证书已过期、尚未生效、签发给了其他域名，或由本机不信任的机构签发，"
            "因此该连接不可信。",
            "郵件伺服器出示的憑證已過期、尚未生效、簽發給其他網域，或由本機不信任的機構簽發，"
            "因此這個連線不可信任。",
        ),
        _remedy(
            "check_date_time", "3.4",
            "Check that this computer's date, time and time zone are right: a wrong clock makes valid "
            "certificates look expired or not yet valid.",
            "确认本机的日期、时间和时区正确：时钟不准会让有效的证书看起来已过期或尚未生效。",
            "確認本機的日期、時間與時區正確：時鐘不準會讓有效的憑證看起來已過期或尚未生效。",
        ),
        _remedy(
            "check_interception", "3.4",
            "If the issuer is your antivirus or a company proxy, its mail shield or HTTPS scanning is "
            "intercepting the connection: exclude the mail hosts from scanning, or have IT install its CA "
            "(mailprobe: --ca-file).",
            "如果签发者是杀毒软件或公司代理，说明其邮件防护或 HTTPS 扫描在拦截连接："
            "请将邮件服务器排除在扫描之外，"
            "或由 IT 安装其根证书（mailprobe 可用 --ca-file）。",
            "如果簽發者是防毒軟體或公司代理伺服器，代表其郵件防護或 HTTPS 掃描正在攔截連線："
            "請將郵件伺服器排除於掃描之外，"
            "或由 IT 安裝其根憑證（mailprobe 可用 --ca-file）。",
        ),
        _remedy(
            "do_not_click_through", "4.3",
            "Do not accept the certificate warning to get in: a bypassed warning can hand the password to "
            "whoever sits in between. Report it to IT instead.",
            "不要为了登录而点击接受证书警告：绕过警告可能把密码交给中间的第三方。请改为向 IT 部门报告。",
            "不要為了登入而點選接受憑證警告：略過警告可能把密碼交給中間的第三方。請改為向 IT 部門回報。",
        ),
        _remedy(
            "report_expired_certificate", "3.3",
            "If the certificate has really expired for everyone, only the provider can renew it: report it "
            "to "
            "their support with the host name and the date.",
            "如果证书对所有人都已过期，只能由服务商更新：请将主机名和日期报告给服务商客服。",
            "如果憑證對所有人都已過期，只能由服務商更新：請將主機名稱與日期回報給服務商客服。",
        ),
    ),
    _entry(
        Cause.CLOCK_SKEW, "2.4", "warning",
        _text("Computer clock is wrong", "本机时钟不准", "本機時鐘不準"),
        _text(
            "This computer's clock differs from the servers' by a wide margin, which makes certificate "
            "checks "
            "and some logins fail.",
            "本机时钟与服务器时间相差很大，会导致证书校验和部分登录失败。",
            "本機時鐘與伺服器時間相差很大，會導致憑證驗證與部分登入失敗。",
        ),
        _remedy(
            "enable_time_sync", "3.4",
            "Turn on automatic time setting (Windows: Settings › Time & language › Set time automatically; "
            "macOS: Date & Time › Set automatically) and sync now.",
            "开启自动设置时间（Windows：“设置 › 时间和语言 › 自动设置时间”；macOS：“日期与时间 › 自动设置”）"
            "，"
            "并立即同步一次。",
            "開啟自動設定時間（Windows：「設定 › 時間與語言 › 自動設定時間」；macOS：「日期與時間 › "
            "自動設定」），"
            "並立即同步一次。",
        ),
        _remedy(
            "check_time_zone", "3.4",
            "Check the time zone too: a clock that looks right in the wrong zone is still hours off. If the "
            "time drifts after every restart, the motherboard battery may be flat.",
            "同时检查时区：显示时间看似正确但时区设错，实际仍会相差数小时。如果每次开机后时间都会变回去，"
            "可能是主板电池没电了。",
            "同時檢查時區：顯示時間看似正確但時區設錯，實際上仍會相差數小時。如果每次開機後時間都會跑掉，"
            "可能是主機板電池沒電了。",
        ),
    ),
)

CATALOGUE: Mapping[Cause, CauseEntry] = MappingProxyType({e.cause: e for e in _ENTRIES})

PREVENTION: tuple[CatalogueRemedy, ...] = (
    _remedy(
        "strong_password", "4.1",
        "Change the mailbox password now and then, choose a long one mixing letters, digits and symbols, and "
        "do not reuse it on other sites.",
        "定期更换邮箱密码，选择包含字母、数字和符号的长密码，且不要在其他网站重复使用。",
        "不時更換信箱密碼，選用混合字母、數字與符號的長密碼，且不要在其他網站重複使用。",
    ),
    _remedy(
        "keep_settings", "4.2",
        "Keep the account name and the server settings (hosts, ports, encryption) somewhere safe, such as a "
        "password manager, so a new device is set up quickly; `mailprobe settings` prints them.",
        "把账号名和服务器设置（主机、端口、加密方式）保存在安全的地方（例如密码管理器），"
        "便于在新设备上快速配置；"
        "`mailprobe settings` 可以列出这些设置。",
        "把帳號名稱與伺服器設定（主機、連接埠、加密方式）保存在安全的地方（例如密碼管理工具），"
        "方便在新裝置上快速設定；"
        "`mailprobe settings` 可以列出這些設定。",
    ),
    _remedy(
        "ask_it", "4.3",
        "When something does not work, bring this report to the IT department early rather than trying "
        "passwords until the account locks.",
        "遇到问题时尽早把这份报告交给 IT 部门，而不是反复试密码直到账号被锁。",
        "遇到問題時盡早把這份報告交給 IT 部門，而不是反覆試密碼直到帳號被鎖。",
    ),
    _remedy(
        "training", "4.4",
        "Take part in the company's mail training, so that everyone knows the login page, the client "
        "settings and the first checks to make.",
        "参加公司的邮箱使用培训，让每个人都熟悉登录页面、客户端设置以及出问题时的初步检查。",
        "參加公司的信箱使用訓練，讓每個人都熟悉登入頁面、用戶端設定以及出問題時的初步檢查。",
    ),
)


def entry(cause: Cause) -> CauseEntry:
    return CATALOGUE[cause]


def title(cause: Cause, lang: Lang) -> str:
    return CATALOGUE[cause].title.get(lang)


def explanation(cause: Cause, lang: Lang) -> str:
    return CATALOGUE[cause].explanation.get(lang)


def remedy_text(cause: Cause, remedy_id: str, lang: Lang) -> str:
    """The text of one remedy; KeyError if the cause has no such remedy."""
    return CATALOGUE[cause].remedy(remedy_id).text.get(lang)


def remedies(cause: Cause, lang: Lang) -> list[tuple[str, str, str]]:
    """The cause's remedies in order, as (remedy id, article section, text in `lang`)."""
    return [(r.id, r.section, r.text.get(lang)) for r in CATALOGUE[cause].remedies]


def prevention_tips(lang: Lang) -> list[tuple[str, str, str]]:
    """The article's prevention advice (4.1–4.4) as (tip id, section, text in `lang`): a report footer."""
    return [(tip.id, tip.section, tip.text.get(lang)) for tip in PREVENTION]

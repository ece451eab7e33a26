"""The stable cause ids of the SPEC: monitoring, tests and profiles rely on them."""

from enum import StrEnum


class Cause(StrEnum):
    PASSWORD_INCORRECT = "password_incorrect"
    ACCOUNT_LOCKED = "account_locked"
    SERVER_OUTAGE = "server_outage"
    NETWORK_PROBLEM = "network_problem"
    DNS_RESOLUTION_PROBLEM = "dns_resolution_problem"
    BROWSER_COMPATIBILITY = "browser_compatibility"
    ACCOUNT_NOT_ACTIVATED = "account_not_activated"
    MX_NOT_CONFIGURED = "mx_not_configured"
    CLIENT_AUTH_CODE_REQUIRED = "client_auth_code_required"
    PROTOCOL_DISABLED = "protocol_disabled"
    TLS_CERTIFICATE_PROBLEM = "tls_certificate_problem"
    CLOCK_SKEW = "clock_skew"
    MODERN_AUTH_REQUIRED = "modern_auth_required"
    LOGIN_RESTRICTED = "login_restricted"
    SENDING_REJECTED = "sending_rejected"
    MAILBOX_FULL = "mailbox_full"
    DELIVERY_DELAYED = "delivery_delayed"
    DELIVERED_TO_JUNK = "delivered_to_junk"

"""Users, profiles, permissions, login policy (tender 7.1) and API tokens.

Permissions are strings "area.thing.action". Each area declares its permissions with the
profiles that hold them by default (`register_permissions`); an administrator can grant or
revoke permissions per profile and create new profiles, all in the database and audited.
Every Flask view must be marked `@require("...")`, `@login_required_only` or `@public`;
an unmarked view is refused (deny by default), and a test walks the URL map to prove it.

One subject a module: `models` (profiles, permissions, users, attempts, tokens),
`passwords` (hashing, policy, recovery codes), `login` (authenticate, waits, LDAP),
`tokens` (API bearer tokens), `marks` (the views' access marks).
"""

from core.auth.login import (
    THROTTLED,
    LoginFailed,
    authenticate,
    clear_login_throttle,
)
from core.auth.marks import LOGIN, login_required_only, public, require, view_mark
from core.auth.models import (
    ALL,
    READ_ONLY_PROFILES,
    ApiToken,
    LoginAttempt,
    Permission,
    Profile,
    ProfileRecord,
    RecoveryCode,
    User,
    all_permissions,
    register_permissions,
    user_profile,
)
from core.auth.passwords import (
    hash_password,
    issue_recovery_codes,
    password_expired,
    password_problems,
    set_password,
    use_recovery_code,
    verify_password,
)
from core.auth.tokens import issue_token, user_for_token

__all__ = [
    # login
    "THROTTLED", "LoginFailed", "authenticate", "clear_login_throttle",
    # marks
    "LOGIN", "login_required_only", "public", "require", "view_mark",
    # models
    "ALL", "READ_ONLY_PROFILES", "ApiToken", "LoginAttempt", "Permission", "Profile",
    "ProfileRecord", "RecoveryCode", "User", "all_permissions", "register_permissions",
    "user_profile",
    # passwords
    "hash_password", "issue_recovery_codes", "password_expired", "password_problems",
    "set_password", "use_recovery_code", "verify_password",
    # tokens
    "issue_token", "user_for_token",
]

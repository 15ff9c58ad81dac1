"""The words a generated organisation is made of: names of people, departments and teams, what
key results and KPIs measure (with plausible ranges), objective titles, reflections and score
reasons. Picked from by :mod:`okrdata.synth.plan`."""

from __future__ import annotations

FIRST_NAMES = (
    "Ada Alex Amara Anna Arjun Ben Chen Chloé Daniel Diego Elena Emma Fatima Felix Freya Grace "
    "Hannah Henrik Ines Isabel Jakub Jonas Julia Kenji Kofi Laura Leila Lena Leo Lucas Lucie Maria "
    "Marco Mateo Mei Nadia Noah Ole Oliver Pavel Priya Rafael Ravi Ruth Samuel Sara Sofía Tariq "
    "Tom Tomasz Yuki Zoe Aylin Ahmed Katarzyna Ibrahim Nora Mikko Aisha"
).split()

LAST_NAMES = (
    "Adeyemi Ahmadi Alvarez Aziz Becker Bello Berg Carter Costa Dahl Demir Dubois Duarte Fischer "
    "Ferreira Gomez Grant Haddad Hansen Hassan Horak Johansson Kim Korhonen Lindqvist MacLeod "
    "Martin Menon Mensah Moreau Nilsson Novak Nowak Nwosu Okafor Papadopoulos Patel Petrova Raman "
    "Rossi Sato Schmidt Silva Tanaka Vogel Wagner Watanabe Williams Wisniewska Yilmaz Zhang"
).split()

DEPARTMENTS = (
    "Engineering",
    "Go-to-Market",
    "Customer Experience",
    "Product",
    "Operations",
    "Finance",
    "People",
    "Data",
    "Security",
    "Partnerships",
)

TEAMS = (
    "Platform",
    "Web App",
    "Mobile",
    "Growth",
    "Sales",
    "Support",
    "Onboarding",
    "Billing",
    "Integrations",
    "Search",
    "Payments",
    "Analytics",
    "Infrastructure",
    "Design",
    "Content",
    "Alliances",
    "Enablement",
    "Quality",
    "Identity",
    "Notifications",
)


# (metric, unit label, low baseline, high baseline, decimals): what key results and KPIs measure.
UP_METRICS = (
    ("weekly active users", "users", 800, 5000, 0),
    ("trial-to-paid conversion", "%", 5, 15, 1),
    ("activation within 14 days", "%", 25, 55, 1),
    ("monthly recurring revenue", "EUR", 100_000, 900_000, -3),
    ("self-service resolution", "%", 15, 40, 1),
    ("NPS", "NPS", 5, 35, 0),
    ("qualified pipeline", "EUR", 400_000, 2_500_000, -3),
    ("weekly signups", "signups", 100, 600, 0),
    ("cache hit rate", "%", 30, 70, 1),
    ("test coverage of core services", "%", 40, 75, 0),
    ("accounts live within 14 days", "%", 30, 60, 0),
    ("newsletter subscribers", "subscribers", 1_000, 9_000, 0),
)

DOWN_METRICS = (
    ("p95 API latency", "ms", 300, 1200, 0),
    ("median first response time", "h", 6, 20, 1),
    ("median lead time for changes", "days", 3, 9, 1),
    ("tickets per 100 accounts", "tickets", 10, 25, 1),
    ("monthly churn", "%", 1.5, 4, 2),
    ("page load time", "ms", 1500, 4000, 0),
    ("days from demo to signature", "days", 40, 90, 0),
    ("open P1 bugs", "bugs", 10, 60, 0),
)

BOUND_METRICS = (
    ("uptime", "%", 99.9, 0.05, 2, "stay_above"),
    ("CSAT", "%", 90, 2.0, 1, "stay_above"),
    ("crash-free sessions", "%", 99.5, 0.2, 2, "stay_above"),
    ("change failure rate", "%", 15, 3.0, 1, "stay_below"),
    ("support backlog", "tickets", 120, 15, 0, "stay_below"),
    ("error rate", "%", 0.5, 0.15, 2, "stay_below"),
)

DELIVERABLES = (
    "Single sign-on",
    "New billing engine",
    "Audit log",
    "Bulk import",
    "Public API v2",
    "Offline mode",
    "Usage-based pricing",
    "Self-serve onboarding",
    "Data export",
    "EU data residency",
)

OBJECTIVE_TITLES = (
    "Delight {who} from the first day",
    "Make {what} fast everywhere",
    "Grow where we already win",
    "Customers succeed without needing us",
    "A platform customers can run their operations on",
    "Turn more trials into paying customers",
    "Ship smaller changes, more often",
    "Be the obvious choice for {who}",
    "Answer fast, fix for good",
    "Scale {what} without scaling headcount",
    "Earn trust in every security review",
    "Make {what} effortless",
)

WHO = ("mid-sized teams", "new admins", "dispatchers", "enterprise buyers", "drivers", "partners")
WHAT = ("onboarding", "the dashboard", "billing", "search", "reporting", "the mobile app", "support")

REFLECTIONS = (
    "Met the committed part; the stretch depended on another team's release that slipped.",
    "We started the main work three weeks late. Next cycle the first month is planning-free.",
    "Strong quarter. The weekly check-ins caught a stall in week five early enough to fix it.",
    "Missed. We spread ourselves over too many key results; next cycle we take two, not four.",
    "The number moved, but mostly through one large account. We will measure cohorts next time.",
    "Good progress, and we learned the metric lags by a month; targets next cycle account for it.",
    "Landed where a moonshot should. The part we did not reach goes into next cycle's plan.",
    "Stalled mid-quarter on a dependency; escalating earlier would have saved three weeks.",
)

SCORE_REASONS_DOWN = (
    "Scored lower: the target was reached through a one-off deal we do not expect to repeat.",
    "Scored lower: the metric definition changed mid-cycle, so the final number flatters us.",
)

SCORE_REASONS_UP = (
    "Scored higher: the last release shipped after the final check-in and the effect is visible.",
    "Scored higher: the key result we missed was dropped by agreement in week six.",
)

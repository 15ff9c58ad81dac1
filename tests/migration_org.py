"""Another tool's organisation, turned into the dashboard's spreadsheet layout: the migration fixture.

*Nordlicht Fahrradwerk GmbH* (German text, umlauts and ß throughout) with three departments and
nine teams, a closed cycle (2026 Q3, with scores, reasons and reflections) and an active one
(2026 Q4), about 860 weekly check-ins (some days with two: a correction after the first), KPIs
with weekly readings, and people known by their full names. :func:`build` returns the sheets
of the workbook a migrating organisation would hand over: People, OKRs, Check-ins, KPIs and
KPI readings, each a DataFrame in the layout ``docs/import-format.md`` describes. The data
are generated from a seed, so every run builds the same organisation.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd

COMPANY = "Nordlicht Fahrradwerk GmbH"
DOMAIN = "nordlicht.example"

# (name, role, units they may edit besides those they lead)
PEOPLE = [
    ("Sabine Häußler", "admin", ""),
    ("Jürgen Weiß", "lead", COMPANY),
    ("Katharina Böhm", "lead", "Vertrieb & Marketing"),
    ("Maximilian Groß", "lead", "Produkt & Technik"),
    ("Frieda Möller", "lead", "Betrieb & Service"),
    ("Lena Fröhlich", "lead", "Vertrieb Süd"),
    ("Tobias Nüßlein", "lead", "Vertrieb Nord"),
    ("Greta Schönfeld", "lead", "Marketing & Marke"),
    ("Moritz Bäumer", "lead", "Plattform"),
    ("Elif Şahin", "lead", "App-Entwicklung"),
    ("Felix Kürten", "lead", "Datenanalyse"),
    ("Hannah Zöllner", "lead", "Kundenservice"),
    ("Ole Krüger", "lead", "Logistik & Lager"),
    ("Nele Rößler", "lead", "Qualitätssicherung"),
    ("Mira Löwenthal", "viewer", ""),
    ("Jonas Dürr", "viewer", ""),
    ("Clara Jäger", "viewer", ""),
    ("Lukas Hörmann", "viewer", ""),
    ("Ida Brückner", "viewer", ""),
    ("Paul Kühn", "viewer", ""),
    ("Emil Würz", "viewer", ""),
    ("Anton Käfer", "viewer", ""),
    ("Luise Grün", "viewer", ""),
    ("Theo Blümel", "viewer", ""),
    ("Marie Süß", "viewer", ""),
    ("Karl Öztürk", "viewer", ""),
    ("Søren Äbelø", "viewer", ""),
]

_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe", "ş": "s", "é": "e", "å": "aa"})


def email(name: str) -> str:
    """``Jürgen Weiß`` -> ``juergen.weiss@nordlicht.example``."""
    return ".".join(name.lower().translate(_ASCII).split()) + "@" + DOMAIN


# unit -> (parent, lead, members)
UNITS = {
    COMPANY: (None, "Jürgen Weiß", []),
    "Vertrieb & Marketing": (COMPANY, "Katharina Böhm", []),
    "Produkt & Technik": (COMPANY, "Maximilian Groß", []),
    "Betrieb & Service": (COMPANY, "Frieda Möller", []),
    "Vertrieb Süd": ("Vertrieb & Marketing", "Lena Fröhlich", ["Mira Löwenthal", "Jonas Dürr"]),
    "Vertrieb Nord": ("Vertrieb & Marketing", "Tobias Nüßlein", ["Jonas Dürr", "Clara Jäger"]),
    "Marketing & Marke": ("Vertrieb & Marketing", "Greta Schönfeld", ["Clara Jäger", "Søren Äbelø"]),
    "Plattform": ("Produkt & Technik", "Moritz Bäumer", ["Lukas Hörmann", "Ida Brückner"]),
    "App-Entwicklung": ("Produkt & Technik", "Elif Şahin", ["Ida Brückner", "Paul Kühn"]),
    "Datenanalyse": ("Produkt & Technik", "Felix Kürten", ["Emil Würz"]),
    "Kundenservice": ("Betrieb & Service", "Hannah Zöllner", ["Anton Käfer", "Luise Grün"]),
    "Logistik & Lager": ("Betrieb & Service", "Ole Krüger", ["Theo Blümel", "Marie Süß"]),
    "Qualitätssicherung": ("Betrieb & Service", "Nele Rößler", ["Karl Öztürk"]),
}

# unit -> [(objective, aligned to, [(kr name, type, baseline, target, label)])]
OKRS = {
    COMPANY: [
        (
            "Profitabel wachsen im deutschsprachigen Raum",
            None,
            [("Jahresumsatz", "increase", 8.0, 10.0, "Mio. EUR"), ("Bruttomarge", "stay_above", None, 38, "%")],
        ),
        (
            "Kundinnen und Kunden begeistern",
            None,
            [("Net Promoter Score", "increase", 32, 45, "Punkte"), ("Reklamationsquote", "decrease", 4.5, 3.0, "%")],
        ),
    ],
    "Vertrieb & Marketing": [
        (
            "Mehr Reichweite im Fachhandel",
            "Profitabel wachsen im deutschsprachigen Raum",
            [("Aktive Fachhändler", "increase", 120, 160, "Händler"), ("Kosten je Lead", "decrease", 48, 35, "EUR")],
        ),
    ],
    "Produkt & Technik": [
        (
            "Eine Plattform, auf die sich alle verlassen",
            "Kundinnen und Kunden begeistern",
            [
                ("Verfügbarkeit des Shops", "stay_above", None, 99.9, "%"),
                ("Release-Zyklus", "decrease", 21, 14, "Tage"),
            ],
        ),
    ],
    "Betrieb & Service": [
        (
            "Schneller liefern, besser helfen",
            "Kundinnen und Kunden begeistern",
            [
                ("Durchschnittliche Lieferzeit", "decrease", 6.0, 4.0, "Tage"),
                ("Erstlösungsquote", "increase", 55, 70, "%"),
            ],
        ),
    ],
    "Vertrieb Süd": [
        (
            "Neue Händler im Süden gewinnen",
            "Mehr Reichweite im Fachhandel",
            [("Händlerverträge", "increase", 4, 12, "Verträge"), ("Angebotsquote", "stay_above", None, 30, "%")],
        ),
        (
            "Umsatz je Händler steigern",
            "Mehr Reichweite im Fachhandel",
            [
                ("Umsatz je Händler", "increase", 18, 24, "Tsd. EUR"),
                ("Händlerschulung in Bayern abgeschlossen", "milestone", None, None, ""),
            ],
        ),
    ],
    "Vertrieb Nord": [
        (
            "Hamburg und Bremen erschließen",
            "Mehr Reichweite im Fachhandel",
            [("Erstgespräche", "increase", 10, 40, "Gespräche"), ("Abschlussquote", "increase", 12, 20, "%")],
        ),
        (
            "Zahlungsausfälle senken",
            "Profitabel wachsen im deutschsprachigen Raum",
            [
                ("Offene Forderungen über 60 Tage", "decrease", 85, 40, "Tsd. EUR"),
                ("Mahnprozess automatisiert", "milestone", None, None, ""),
            ],
        ),
    ],
    "Marketing & Marke": [
        (
            "Die Marke Nordlicht bekannter machen",
            "Mehr Reichweite im Fachhandel",
            [
                ("Gestützte Markenbekanntheit", "increase", 14, 20, "%"),
                ("Newsletter-Abonnenten", "increase", 8200, 12000, "Abonnenten"),
            ],
        ),
        (
            "Leads mit Qualität",
            "Mehr Reichweite im Fachhandel",
            [
                ("Anteil qualifizierter Leads", "increase", 22, 35, "%"),
                ("Kosten je Lead im Mittel", "stay_below", None, 45, "EUR"),
            ],
        ),
    ],
    "Plattform": [
        (
            "Shop und Händlerportal stabil betreiben",
            "Eine Plattform, auf die sich alle verlassen",
            [
                ("Verfügbarkeit", "stay_above", None, 99.9, "%"),
                ("Mittlere Wiederherstellungszeit", "decrease", 95, 45, "min"),
            ],
        ),
        (
            "Schneller ausliefern",
            "Eine Plattform, auf die sich alle verlassen",
            [
                ("Deployments pro Woche", "increase", 3, 10, "Deployments"),
                ("Pipeline auf die neuen Build-Server umgezogen", "milestone", None, None, ""),
            ],
        ),
    ],
    "App-Entwicklung": [
        (
            "Die App wird zum täglichen Begleiter",
            "Kundinnen und Kunden begeistern",
            [
                ("Wöchentlich aktive Nutzer", "increase", 5400, 8000, "Nutzer"),
                ("Bewertung im App Store", "stay_above", None, 4.5, "Sterne"),
            ],
        ),
        (
            "Weniger Abstürze",
            "Eine Plattform, auf die sich alle verlassen",
            [
                ("Absturzfreie Sitzungen", "increase", 97.2, 99.5, "%"),
                ("Offline-Modus für Touren veröffentlicht", "milestone", None, None, ""),
            ],
        ),
    ],
    "Datenanalyse": [
        (
            "Entscheidungen auf Daten stützen",
            "Profitabel wachsen im deutschsprachigen Raum",
            [
                ("Dashboards im wöchentlichen Einsatz", "increase", 3, 12, "Dashboards"),
                ("Fehlerquote in den Stammdaten", "decrease", 6.0, 2.0, "%"),
            ],
        ),
        (
            "Absatzprognose verbessern",
            "Profitabel wachsen im deutschsprachigen Raum",
            [
                ("Prognosefehler", "decrease", 18, 10, "%"),
                ("Prognosemodell für Ersatzteile live", "milestone", None, None, ""),
            ],
        ),
    ],
    "Kundenservice": [
        (
            "Kundinnen und Kunden schneller helfen",
            "Schneller liefern, besser helfen",
            [
                ("Erstantwortzeit", "decrease", 26, 8, "Std."),
                ("Zufriedenheit nach dem Kontakt", "stay_above", None, 4.2, "von 5"),
            ],
        ),
        (
            "Selbsthilfe ausbauen",
            "Schneller liefern, besser helfen",
            [
                ("Artikel im Hilfe-Center", "increase", 40, 120, "Artikel"),
                ("Anteil der Self-Service-Lösungen", "increase", 18, 30, "%"),
            ],
        ),
    ],
    "Logistik & Lager": [
        (
            "Pünktlich liefern",
            "Schneller liefern, besser helfen",
            [("Liefertreue", "increase", 88, 96, "%"), ("Retourenquote", "stay_below", None, 6.0, "%")],
        ),
        (
            "Lager effizienter nutzen",
            "Schneller liefern, besser helfen",
            [
                ("Kommissionierzeit je Auftrag", "decrease", 14, 9, "min"),
                ("Neues Regalsystem in Halle 2 eingerichtet", "milestone", None, None, ""),
            ],
        ),
    ],
    "Qualitätssicherung": [
        (
            "Fehler früher finden",
            "Kundinnen und Kunden begeistern",
            [
                ("Fehler je 1.000 Räder", "decrease", 12, 6, "Fehler"),
                ("Prüfabdeckung der Endkontrolle", "increase", 70, 95, "%"),
            ],
        ),
        (
            "Lieferantenqualität sichern",
            "Kundinnen und Kunden begeistern",
            [
                ("Abgeschlossene Lieferanten-Audits", "increase", 2, 10, "Audits"),
                ("Reklamationen an Lieferanten", "stay_below", None, 15, "Fälle"),
            ],
        ),
    ],
}

# unit -> (KPI, target type, target, warning, label); the KR it measures (by name), if any
KPIS = {
    COMPANY: ("Net Promoter Score (laufend)", "stay_above", 35, 40, "Punkte", "Net Promoter Score"),
    "Vertrieb Süd": ("Aktive Händler im Süden", "stay_above", 60, 65, "Händler", None),
    "Vertrieb Nord": ("Auftragseingang pro Woche", "increase", 150, 160, "Tsd. EUR", None),
    "Marketing & Marke": ("Website-Besuche pro Woche", "stay_above", 25000, 28000, "Besuche", None),
    "Plattform": ("Verfügbarkeit Shop", "stay_above", 99.9, 99.95, "%", "Verfügbarkeit"),
    "App-Entwicklung": ("App-Abstürze je 1.000 Sitzungen", "stay_below", 5, 4, "Abstürze", None),
    "Datenanalyse": ("Datenaktualität", "stay_below", 24, 20, "Std.", None),
    "Kundenservice": ("Offene Tickets", "stay_below", 120, 100, "Tickets", None),
    "Logistik & Lager": ("Retourenquote (KPI)", "stay_below", 6.0, 5.5, "%", "Retourenquote"),
    "Qualitätssicherung": ("Reklamationsquote gesamt", "stay_below", 3.5, 3.0, "%", None),
}

CYCLES = [
    ("2026 Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "closed"),
    ("2026 Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "active"),
]
LAST_CHECKIN = dt.date(2026, 11, 27)
"""The last Friday with check-ins: every date of the fixture lies before the day it was written."""

NOTES = [
    "",
    "",
    "Gute Woche, Rückstand aufgeholt.",
    "Lieferverzögerung beim Zulieferer in Süddeutschland.",
    "Größere Kampagne läuft an; Wirkung erst nächste Woche messbar.",
    "Zwei Kolleginnen im Urlaub, etwas langsamer.",
    "Überraschend starke Nachfrage aus Österreich.",
    "Messe in Köln: viele Gespräche, wenige Abschlüsse.",
    "Störung am Dienstag (Datenbank), nach 40 Minuten behoben.",
    "Plan bleibt; keine Änderungen nötig.",
    "Neue Prüfstrecke in Betrieb genommen.\nErste Ergebnisse sind ermutigend.",
    "Budget für das nächste Quartal beantragt – Entscheidung steht aus.",
    "Schätzung nach Rücksprache mit dem Vertrieb.",
    "Wetterbedingt weniger Auslieferungen (Sturm „Zoë“).",
    "Über Plan: die Schulung zeigt Wirkung.",
]

REFLECTIONS = [
    "Wir haben mehr erreicht als gedacht, aber zu spät angefangen. Nächstes Quartal früher messen.",
    "Die Abstimmung zwischen Vertrieb und Marketing war der Engpass; jetzt gibt es ein gemeinsames Weekly.",
    "Das Ziel war zu ehrgeizig für ein Quartal; die Richtung stimmt, das Tempo nicht.",
    "Ohne die Störung im August hätten wir das Ziel erreicht. Mehr Puffer für Ausfälle einplanen.",
    "Gute Zusammenarbeit mit der Logistik; die Daten waren endlich verlässlich.",
]


def _kr_title(name: str, kr_type: str, baseline, target, label: str) -> str:
    unit = f" {label}" if label and label != "%" else ("%" if label == "%" else "")
    if kr_type in ("increase", "decrease"):
        return f"{name} von {_num(baseline)}{unit} auf {_num(target)}{unit}"
    if kr_type == "stay_above":
        return f"{name} über {_num(target)}{unit}"
    if kr_type == "stay_below":
        return f"{name} unter {_num(target)}{unit}"
    return name


def _num(x) -> str:
    return f"{x:g}".replace(".", ",")


def _round(value: float, like: float | None) -> float:
    """Values written with the precision their goal has (whole numbers for counts)."""
    if like is not None and float(like).is_integer() and abs(like) >= 10:
        return float(round(value))
    return round(value, 2)


def _fridays(start: dt.date, end: dt.date) -> list[dt.date]:
    day = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    out = []
    while day <= min(end, LAST_CHECKIN):
        out.append(day)
        day += dt.timedelta(days=7)
    return out


def _next_goal(kr_type: str, baseline, target):
    """The next cycle's goal of a key result carried over: on from where the last one aimed."""
    if kr_type == "increase":
        step = (target - baseline) / 2
        return target, target + step
    if kr_type == "decrease":
        step = (baseline - target) / 2
        return target, max(target - step, target / 2)
    return baseline, target


def build(seed: int = 2026) -> dict[str, pd.DataFrame]:
    """The organisation as the sheets of a workbook: People, OKRs, Check-ins, KPIs, KPI readings."""
    rng = random.Random(seed)
    people = pd.DataFrame(
        [{"Name": name, "E-mail": email(name), "Role": role, "Units": units} for name, role, units in PEOPLE]
    )
    okr_rows: list[dict] = []
    checkin_rows: list[dict] = []
    objective_number = 0
    for cycle_name, start, end, state in CYCLES:
        fridays = _fridays(start, end)
        closed = state == "closed"
        for unit, (parent, lead, members) in UNITS.items():
            for index, (objective, aligned, krs) in enumerate(OKRS.get(unit, [])):
                objective_number += 1
                owner_pool = members or [lead]
                obj = {
                    "Cycle": cycle_name,
                    "Cycle start": start.isoformat(),
                    "Cycle end": end.isoformat(),
                    "Cycle state": state,
                    "Unit": unit,
                    "Parent unit": parent,
                    "Unit lead": lead,
                    "Objective": objective,
                    "Objective ID": f"NL-{objective_number:03d}",
                    "Objective description": f"Warum: {objective.lower()} – damit {unit} im Jahr 2027 wächst.",
                    "Kind": "aspirational"
                    if index == 1 and unit in ("Marketing & Marke", "App-Entwicklung")
                    else "committed",
                    # Another tool knows its people by name; the People sheet says who they are.
                    "Objective owner": lead,
                    "Objective weight": 2 if unit == COMPANY and index == 0 else 1,
                    "Aligned to": aligned,
                }
                if closed:
                    obj["Reflection"] = REFLECTIONS[objective_number % len(REFLECTIONS)]
                    if objective_number % 5 == 0:
                        obj["Score"] = 0.3
                        obj["Score reason"] = (
                            "Bewusst niedriger bewertet: das Ergebnis kam durch Sondereffekte zustande."
                        )
                for kr_index, (name, kr_type, baseline, target, label) in enumerate(krs):
                    if not closed:
                        baseline, target = _next_goal(kr_type, baseline, target)
                        if kr_type == "milestone":
                            name = f"{name} (Phase 2)"
                    owner = owner_pool[kr_index % len(owner_pool)]
                    title = _kr_title(name, kr_type, baseline, target, label)
                    kpi = KPIS.get(unit)
                    history = _history(rng, kr_type, baseline, target, fridays, start, end, lead, owner)
                    for entry in history:
                        checkin_rows.append(
                            {"Cycle": cycle_name, "Unit": unit, "Objective": objective, "Key result": title, **entry}
                        )
                    last = history[-1]
                    okr_rows.append(
                        {
                            **obj,
                            "Key result": title,
                            "Type": {
                                "increase": "increase to",
                                "decrease": "decrease to",
                                "stay_above": "at least",
                                "stay_below": "at most",
                                "milestone": "milestone",
                            }[kr_type],
                            "Baseline": baseline if kr_type in ("increase", "decrease") else None,
                            "Target": None if kr_type == "milestone" else target,
                            "Unit label": label or None,
                            # The other tool's sheet shows each key result's latest value, without its author.
                            "Current value": last["Value"],
                            "Confidence": last["Confidence"],
                            "As of": last["Date"],
                            "Note": last["Note"] or None,
                            "Weight": 2 if kr_index == 0 and unit == "Plattform" else 1,
                            "Owner": f"{owner} <{email(owner)}>",
                            "KPI": kpi[0] if kpi and kpi[5] == name else None,
                            "Check-in every (days)": 14 if unit == "Datenanalyse" else 7,
                        }
                    )
    okrs = pd.DataFrame(okr_rows)
    checkins = pd.DataFrame(checkin_rows)
    kpis = pd.DataFrame(
        [
            {
                "Unit": unit,
                "KPI": name,
                "Unit label": label,
                "Target type": target_type,
                "Target": target,
                "Warning": warning,
                "Frequency (days)": 7,
                "Description": f"Gesundheit von {unit}: {name}.",
            }
            for unit, (name, target_type, target, warning, label, _kr) in KPIS.items()
        ]
    )
    readings = []
    monday = dt.date(2026, 7, 6)
    while monday <= dt.date(2026, 11, 30):
        for unit, (name, target_type, target, warning, label, _kr) in KPIS.items():
            spread = abs(warning - target) * 3 or 1
            value = target + rng.uniform(-spread, spread * 1.5) * (1 if target_type != "stay_below" else -1)
            readings.append(
                {
                    "Unit": unit,
                    "KPI": name,
                    "Date": monday.isoformat(),
                    "Value": _round(value, target),
                    "Author": UNITS[unit][1],
                }
            )
        monday += dt.timedelta(days=7)
    return {"People": people, "OKRs": okrs, "Check-ins": checkins, "KPIs": kpis, "KPI readings": pd.DataFrame(readings)}


def _history(rng, kr_type, baseline, target, fridays, start, end, lead, owner) -> list[dict]:
    """A key result's weekly check-ins: a path towards (or short of) its target, some weeks
    skipped, some days corrected by a second check-in."""
    achieve = rng.uniform(0.35, 1.1)
    entries = []
    step = 0.0
    for week, day in enumerate(fridays, start=1):
        if week > 1 and rng.random() < 0.18:
            continue
        elapsed = (day - start).days / (end - start).days
        if kr_type in ("increase", "decrease"):
            progress = max(0.0, min(1.2, achieve * elapsed + rng.uniform(-0.06, 0.06)))
            value = _round(baseline + (target - baseline) * progress, target)
        elif kr_type == "stay_above":
            value = _round(
                target * (1 + rng.uniform(-0.012, 0.02))
                if target < 99
                else rng.choice([99.85, 99.91, 99.93, 99.95, 99.97, 99.99]),
                target,
            )
            progress = 1.0 if value >= target else 0.0
        elif kr_type == "stay_below":
            value = _round(target * (1 + rng.uniform(-0.25, 0.08)), target)
            progress = 1.0 if value <= target else 0.0
        else:
            step = min(1.0, max(step, round(achieve * elapsed * 4) / 4))
            value = progress = step
        behind = progress < elapsed - 0.15
        confidence = rng.randint(3, 6) if behind else rng.randint(6, 9)
        author = owner if rng.random() < 0.8 else lead
        note = rng.choice(NOTES)
        entries.append(
            {
                "Date": day.isoformat(),
                "Value": value,
                "Confidence": confidence,
                "Note": note or None,
                "Author": f"{author} <{email(author)}>",
            }
        )
        if rng.random() < 0.035:
            # A correction later that day: the second check-in of the day is the current one.
            fixed = value if kr_type == "milestone" else _round(value * 1.01 + 0.1, target)
            entries.append(
                {
                    "Date": day.isoformat(),
                    "Value": fixed,
                    "Confidence": max(0, confidence - 1),
                    "Note": "Korrektur: Zahl aus dem ERP nachgetragen.",
                    "Author": f"{lead} <{email(lead)}>",
                }
            )
    return entries


def workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    """The sheets as one .xlsx file, written plainly (as another tool would), not by the dashboard."""
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()

#!/usr/bin/env python3
"""Write the Tidewater Labs sample workspace: pipelines.yaml and deals/*.md.

Tidewater Labs is a fictitious 3-person startup selling a self-hosted developer
observability product (annual licences + onboarding services). The data is
hand-written; the deals are made the way pipe makes them (pipe add, move, set,
task add/done/cancel/snooze) and written by pipe's own writer. It is
deterministic: every date is given, and task ids are drawn from a seeded RNG,
so every run produces byte-identical files (tests/test_sample.py checks it).

Run from the repository root:  python tools/make_sample.py [DIR]   (DIR: this repository; then the
sample is also copied to pipecli/demo/, which `pipe init --demo` replays as git history)
"""
import random
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from unittest import mock

TODAY = date(2026, 11, 27)
EARLIEST = date(2025, 11, 20)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipecli.core.model import entryids  # noqa: E402
from pipecli.core.model.deal import BANT_KEYS, slugify  # noqa: E402
from pipecli.core.model.validate import meaning_problems  # noqa: E402
from pipecli.core.store.workspace import Workspace, write_atomic  # noqa: E402
from pipecli.core.workflow import lifecycle, tasks  # noqa: E402
from pipecli.core.workflow.timeline import ACTIVITY_ORDER  # noqa: E402

PIPELINES_YAML = """\
# Tidewater Labs sales workspace: the pipelines, their stages and the team.
# Format: docs/format.md
currency: EUR
rates:            # 1 unit of the currency is worth this many EUR
  USD: 0.92
  GBP: 1.17
team:
- id: maya
  name: Maya Chen
  email: maya@tidewater.example
  quota: {period: quarter, amount: 90000}
- id: tom
  name: Tom Okafor
  email: tom@tidewater.example
- id: ines
  name: Inês Duarte
  email: ines@tidewater.example
  quota: {period: quarter, amount: 60000}
lost_reasons: [price, competitor, no budget, no decision, bad timing, not a fit, stale]
sources: [inbound, outbound, referral, event, partner, content]
inactivity_days: 10
next_step: warn
flush_reason: stale  # what `pipe flush` gives as the lost reason
mail:                # pipe mail / automate / remind: each deal's owner sends (docs/email.md)
  smtp: {host: smtp.tidewater.example, port: 587, security: starttls,
         user: sales@tidewater.example, password_env: PIPE_SMTP_PASSWORD}
automations:         # pipe automate, daily: templates/email/NAME.md.j2
- {id: proposal-follow-up, stage: proposal, after: 2d, template: proposal-follow-up}
pipelines:
- id: new-business
  name: New business
  stages:
  - {id: lead, name: Lead, probability: 10, rot_days: 14, kind: open}
  - {id: contacted, name: Contacted, probability: 20, rot_days: 14, kind: open}
  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open,
     requires: [bant]}                     # the gate: all four BANT answers first
  - id: proposal
    name: Proposal
    probability: 60
    rot_days: 21
    kind: open
    requires: [value, expected_close]
    on_enter:                              # tasks every deal entering the stage gets
    - {task: Follow up on the proposal, due: 5d}
  - {id: won, name: Won, probability: 100, kind: won}
  - {id: lost, name: Lost, probability: 0, kind: lost}
  - {id: fridge, name: Fridge, probability: 0, kind: parked}
- id: partnerships
  name: Partnerships
  stages:
  - {id: intro, name: Intro, probability: 10, rot_days: 21, kind: open}
  - {id: exploring, name: Exploring, probability: 30, rot_days: 30, kind: open}
  - {id: pilot, name: Pilot, probability: 60, rot_days: 45, kind: open}
  - {id: signed, name: Signed, probability: 100, kind: won}
  - {id: declined, name: Declined, probability: 0, kind: lost}
  - {id: fridge, name: Fridge, probability: 0, kind: parked}
"""

# --------------------------------------------------------------------------
# Deal specs. Compact string formats, expanded by build():
#   hist   "stage YYYY-MM-DD [@who], ..."   (first entry = created date)
#   who    "Name | role"                     (email derived from name + dom)
#   tasks  "CREATED DUE STATUS [DONE] [@who] [snooze=DATE]: text"
#   acts   "DATE KIND [in|out] [@who]: summary"
#   notes  markdown body; leading spaces of each line are stripped
#   pushed ["CHANGED FROM TO", ...]          expected close date changes (close_changes)
# @who defaults to the deal owner; task ids come from random.Random(20261127).
# --------------------------------------------------------------------------
DEALS = []
NB, PS = "new-business", "partnerships"


def deal(title, owner, account, value, **kw):
    DEALS.append(dict(title=title, owner=owner, account=account, value=value, **kw))


# ---- New business: won -----------------------------------------------------
deal("Voltaic Mobility starter licence", "maya", "Voltaic Mobility", 18000, src="referral", close="2025-12-31",
     dom="voltaic", tags="eu self-hosted", who=["Femke de Vries | Head of Platform", "Ruben Jansen | SRE"],
     hist="lead 2025-11-20, contacted 2025-11-24, qualified 2025-12-03 @tom, proposal 2025-12-10, won 2025-12-19",
     bant=dict(budget="Left-over 2025 tooling budget, about 20k", authority="Femke signs, CFO rubber-stamps",
               need="Prometheus drops samples from 1.2k chargers", timeline="Live before the January traffic peak"),
     tasks=["2025-11-24 2025-12-01 done 2025-12-01 @tom: Run the docker-compose trial with Ruben",
            "2025-12-10 2025-12-17 done 2025-12-19: Send order form and DPA"],
     acts=["2025-11-20 email in: Intro from Pieter (Tom's ex-colleague), charger metrics pain",
           "2025-11-24 call: First call with Femke, 1.2k chargers reporting every 10s",
           "2025-12-03 meeting @tom: Tech deep dive, trial running on their staging cluster",
           "2025-12-10 email out: Proposal: Team licence + 3 onboarding days",
           "2025-12-19 email in: Signed order form back, PO to follow"],
     notes="""First real customer that isn't a friend of the company. Came via Pieter, who worked with Tom before Tidewater.

        - **Femke** owns the platform team and the budget; **Ruben** ran the trial and is our champion.
        - Their Prometheus was dropping samples at ~1.2k chargers. Our ingest handled it on one node.
        - Licence renews 19 Dec 2026 and they already talk about doubling the host count.""")

deal("Pinecrest Software team licence", "tom", "Pinecrest Software", 12000, cur="USD", src="inbound",
     tags="us startup", who=["Greg Holloway | CTO"],
     hist="lead 2025-12-08, qualified 2025-12-15, proposal 2026-01-12, won 2026-01-28", close="2026-01-31",
     bant=dict(budget="12k, Greg approves directly", authority="Greg (CTO, 40-person company)",
               need="Replace a home-grown ELK stack nobody wants to own", timeline="Q1 2026"),
     tasks=["2025-12-15 2026-01-09 done 2026-01-12: Write up sizing for 35 hosts",
            "2026-01-12 2026-01-23 done 2026-01-28: Countersign order form"],
     acts=["2025-12-08 email in: Trial signup, asked about SSO on the free tier",
           "2025-12-15 call: Greg walked us through their ELK mess",
           "2026-01-12 email out: Proposal sent, Team tier in USD",
           "2026-01-28 email in: Signed, paying annually by card"],
     notes="""Inbound from the Hacker News thread. Greg is CTO of a 40-person B2B SaaS in Denver.

        Small but fast: no procurement, no security review. Good reference for other US startups if they stay happy.""")

deal("Ardent Commerce peak season readiness", "ines", "Ardent Commerce", 24000, src="outbound", close="2026-03-31",
     dom="ardent", tags="eu retail onboarding", who=["Claire Moreau | CTO", "Hugo Lambert | Lead SRE"],
     hist="lead 2026-01-19, contacted 2026-01-26, qualified 2026-02-16, proposal 2026-03-02, won 2026-03-20",
     bant=dict(budget="24k from the 2026 resilience programme", authority="Claire, CFO sign-off above 20k",
               need="Checkout down 40 min last Black Friday, nobody saw it coming", timeline="In place well before November"),
     tasks=["2026-01-26 2026-02-06 done 2026-02-05 @tom: Demo on their replayed checkout traces",
            "2026-03-02 2026-03-13 done 2026-03-18: Answer CFO questions on licence vs services split",
            "2026-03-20 2026-04-10 done 2026-04-09: Kick off onboarding (5 days)"],
     acts=["2026-01-19 email out: Cold email to Claire about their Black Friday post-mortem",
           "2026-01-26 call: Claire replied, call with Hugo booked",
           "2026-02-16 meeting @tom: Demo on replayed checkout traffic, Hugo sold",
           "2026-03-02 email out: Proposal: Business licence + 5 onboarding days",
           "2026-03-20 email in: Signed by the CFO"],
     notes="""Found them through their public post-mortem of last year's Black Friday: 40 minutes of failed checkouts, first alert came from customers on social media.

        - Claire: CTO, decision maker, very direct. Write to her in French.
        - Hugo: runs SRE (3 people), owns the rollout.

        Onboarding in April so they have months to tune alerts before peak season.""")

deal("Kestrel Security SOC pipeline", "maya", "Kestrel Security", 36000, cur="USD", src="event", close="2026-04-30",
     tags="us enterprise security-review", who=["Dana Whitfield | VP Engineering", "Marcus Lee | Security architect"],
     hist="lead 2026-02-10, contacted 2026-02-17, qualified 2026-03-05, proposal 2026-04-02, won 2026-04-28",
     bant=dict(budget="Part of a 150k observability consolidation", authority="Dana, final sign-off by the CISO",
               need="Telemetry must never leave their VPC", timeline="Signed before fiscal year end (30 April)"),
     tasks=["2026-03-05 2026-03-20 done 2026-03-24 @tom: Security questionnaire (212 questions)",
            "2026-04-02 2026-04-17 done 2026-04-21: Redline MSA with their counsel",
            "2026-04-28 2026-05-08 done 2026-05-07 @tom: Hand over to onboarding"],
     acts=["2026-02-10 meeting: Met Dana after Tom's talk at a Boston DevOps meetup",
           "2026-02-17 call: Discovery; their Datadog quote came in at 4x",
           "2026-03-05 meeting @tom: Architecture review with Marcus",
           "2026-04-02 email out: Proposal, priced per environment",
           "2026-04-21 call: Legal call, agreed the liability cap",
           "2026-04-28 email in: Countersigned MSA and order form"],
     notes="""Biggest deal of the first half. Met Dana after Tom's talk at a Boston DevOps meetup.

        The whole pitch was "your telemetry never leaves your VPC". Marcus (security architect) was the real gatekeeper; once he signed off on the architecture the rest was paperwork.

        Lesson: keep the filled-in questionnaire. Every security buyer asks the same 200 questions.""")

deal("Portomar Seguros retention rollout", "ines", "Portomar Seguros", 27000, src="referral", close="2026-05-29",
     dom="portomar", tags="eu insurance onboarding",
     who=["Rui Carvalho | Head of Infrastructure", "Sofia Almeida | Procurement"],
     hist="lead 2026-03-09, contacted 2026-03-12, qualified 2026-03-30, proposal 2026-04-22, won 2026-05-22",
     bant=dict(budget="Infra budget, approved at the March board", authority="Rui; procurement handles the paper",
               need="Regulator wants 90 days of logs on-prem", timeline="Regulatory deadline end of June"),
     tasks=["2026-03-30 2026-04-15 done 2026-04-14: Retention sizing for 90 days on-prem",
            "2026-04-22 2026-05-08 done 2026-05-15: Supplier registration forms for Sofia"],
     acts=["2026-03-09 email in: Intro from Hugo (Ardent), he knows Rui",
           "2026-03-12 call: First call, in Portuguese; regulator deadline is the driver",
           "2026-03-30 meeting: On-site visit in Porto",
           "2026-04-22 email out: Proposal + retention sizing",
           "2026-05-22 email in: PO received"],
     notes="""Referral from Hugo at Ardent. Inês ran it end to end in Portuguese, which helped a lot.

        Driver was regulatory: 90 days of logs on their own hardware, auditable. Sofia in procurement was slow but friendly; supplier registration alone took three weeks.""")

deal("Nordlys Energi wind farm telemetry", "maya", "Nordlys Energi", 44000, src="outbound", close="2026-06-30",
     dom="nordlys", tags="eu energy enterprise air-gapped",
     who=["Kari Solberg | Head of OT platforms", "Anders Haugen | Platform engineer"],
     hist="lead 2026-04-14, contacted 2026-04-23, qualified 2026-05-19, proposal 2026-06-24, won 2026-07-30",
     bant=dict(budget="Digitalisation programme, 50k line item", authority="Kari, with steering group approval",
               need="Telemetry from 3 wind farms in one place, on-prem", timeline="Steering group end of June"),
     tasks=["2026-05-19 2026-06-05 done 2026-06-04 @tom: Offline install test in their air-gapped lab",
            "2026-06-24 2026-07-03 done 2026-07-10: Steering group deck",
            "2026-07-30 2026-08-14 done 2026-08-20 @tom: Schedule onboarding after the summer holidays"],
     acts=["2026-04-14 email out: Outreach after their job ad for an OT observability engineer",
           "2026-04-23 call: Kari: three wind farms, each with its own Grafana",
           "2026-05-19 meeting @tom: Air-gapped install demo",
           "2026-06-24 email out: Proposal",
           "2026-07-02 email in: Steering group moved to end of July",
           "2026-07-30 email in: Approved and signed"],
     notes="""Spotted their job ad for an "observability engineer (OT)". Kari runs OT platforms for three wind farms, each with its own Grafana and nobody seeing the whole picture.

        The air-gapped install was make-or-break; Tom spent two days in their lab. Slipped a month because the steering group moved.

        Nothing happens in Norway in July: onboarding planned for late August.""")

deal("Sable Mobility scale-up licence", "maya", "Sable Mobility", 30000, cur="USD", src="content",
     tags="us kubernetes migration", who=["Jordan Alvarez | Director of Infrastructure", "Beth Nakamura | Staff SRE"],
     hist="lead 2026-07-06, contacted 2026-07-08, qualified 2026-07-27, proposal 2026-08-24, won 2026-09-24",
     close="2026-09-30", bant=dict(budget="Moving 30k/yr away from New Relic", authority="Jordan",
                                   need="New Relic renewal quote doubled", timeline="New Relic renews 1 October"),
     tasks=["2026-07-27 2026-08-14 done 2026-08-13 @tom: Migration plan from New Relic agents",
            "2026-08-24 2026-09-11 done 2026-09-22: Reference call with Kestrel"],
     acts=["2026-07-06 email in: Came in via our OpenTelemetry migration guide",
           "2026-07-08 call: Jordan: 220 nodes, New Relic renewal shock",
           "2026-07-27 meeting @tom: Migration workshop with Beth",
           "2026-08-24 email out: Proposal + migration plan",
           "2026-09-22 call: Reference call with Dana (Kestrel) went well",
           "2026-09-24 email in: Signed"],
     notes="""Inbound from the OpenTelemetry migration guide. The content is working.

        A hard deadline made this easy: their New Relic renewal on 1 October came in at double. Beth did the technical eval in a week.

        Used Kestrel as a reference. Ask Dana before we use her again.""")

deal("Eikhof Versicherung platform licence", "maya", "Eikhof Versicherung", 52000, src="outbound", close="2026-09-30",
     dom="eikhof", tags="eu enterprise insurance security-review",
     who=["Sabine Krüger | Head of IT Operations", "Felix Wagner | Platform engineering", "Jana Roth | Purchasing"],
     hist="lead 2026-03-23, contacted 2026-04-07, qualified 2026-05-12, proposal 2026-08-18, won 2026-10-21",
     bant=dict(budget="In the 2026 IT budget after the BaFin audit", authority="Sabine; works council informed",
               need="BaFin findings on log retention and monitoring gaps", timeline="Fix audit findings before year end"),
     tasks=["2026-05-12 2026-06-12 done 2026-06-30 @tom: Security questionnaire + BSI C5 mapping",
            "2026-08-18 2026-09-15 done 2026-10-02: Works council presentation on what data we collect",
            "2026-10-21 2026-11-06 done 2026-11-05 @tom: Onboarding kick-off"],
     acts=["2026-03-23 email out: Outreach to Sabine after the audit news",
           "2026-04-07 call: Sabine: audit findings, ~300 hosts",
           "2026-05-12 meeting @tom: On-site in Hamburg",
           "2026-08-18 email out: Proposal",
           "2026-10-02 meeting: Works council session, no objections",
           "2026-10-21 email in: Signed by purchasing"],
     notes="""Seven months, but the largest licence to date.

        - **Sabine** (head of IT ops) has the budget and the audit findings to fix.
        - **Felix** is the hands-on champion.
        - **Jana** in purchasing wants everything in German, twice.

        The works council had to approve because we collect user-level data. Reuse that deck for every German customer.""")

deal("Mistral Print onboarding and licence", "ines", "Mistral Print", 9000, src="inbound",
     dom="mistral", tags="eu smb", who=["Julien Petit | Head of infrastructure"],
     hist="lead 2026-10-19, contacted 2026-10-21, proposal 2026-11-04, won 2026-11-18", close="2026-11-30",
     bant=dict(budget="9k, his own budget", authority="Julien", need="Print farm outages found by customers first",
               timeline="Before the Christmas print rush"),
     tasks=["2026-10-21 2026-10-30 done 2026-10-29: Trial setup call",
            "2026-11-04 2026-11-13 done 2026-11-18: Chase signature"],
     acts=["2026-10-19 email in: Trial signup from Julien",
           "2026-10-21 call: Trial setup, 25 hosts",
           "2026-11-04 email out: Proposal: Team licence + 2 onboarding days",
           "2026-11-18 email in: Signed"],
     notes="""Trial to signature in a month. Julien runs infra alone for an online print shop in Lyon; Christmas is their peak.

        Skipped qualified: he answered every BANT question on the first call.""")

# ---- New business: lost ----------------------------------------------------
deal("Calder Analytics metrics stack", "tom", "Calder Analytics", 14000, cur="GBP", src="outbound",
     lost="competitor", tags="uk", who=["Oliver Grant | Head of Data Engineering"],
     hist="lead 2026-01-12, contacted 2026-01-19, qualified 2026-02-02, lost 2026-02-20", close="2026-03-15",
     bant=dict(budget="Around 15k", authority="Oliver, with the CTO", need="Metrics for their Spark jobs", timeline="Q1"),
     tasks=["2026-02-02 2026-02-13 done 2026-02-12: Benchmark against Grafana Cloud at their volume",
            "2026-02-13 2026-02-27 cancelled 2026-02-20: Send proposal"],
     acts=["2026-01-12 email out: Outreach to Oliver",
           "2026-01-19 call: Spark job metrics, 60 nodes",
           "2026-02-02 meeting: Demo",
           "2026-02-20 email in: Going with Grafana Cloud"],
     notes="""Lost to Grafana Cloud. They had no reason to self-host: no data residency constraints, a small team, happy with SaaS.

        Takeaway: ask *why self-hosted?* on the first call.""")

deal("Skerry Ferries booking monitoring", "ines", "Skerry Ferries", 7000, src="inbound", lost="price",
     tags="eu smb", who=["Niamh Byrne | IT manager"],
     hist="lead 2026-03-26, contacted 2026-03-30, qualified 2026-04-08, proposal 2026-04-20, lost 2026-05-06",
     close="2026-05-15", bant=dict(budget="Max 4k, found out late", authority="Niamh",
                                   need="Booking site slow in summer", timeline="Before the summer season"),
     tasks=["2026-04-20 2026-04-30 done 2026-04-29: Follow up on proposal",
            "2026-04-30 2026-05-08 cancelled 2026-05-06: Offer a smaller bundle"],
     acts=["2026-03-26 email in: Website contact form",
           "2026-03-30 call: Intro",
           "2026-04-08 call: Qualification, 20 hosts",
           "2026-04-20 email out: Proposal, 7k",
           "2026-05-06 email in: Too expensive, staying with free tools"],
     notes="""Lost on price. Their budget was ~4k all-in and we only found out after the proposal. 20 hosts, seasonal business.

        A case for a smaller tier? Discussed with Tom, parked for now.""")

deal("Atlântico Telecom network observability", "ines", "Atlântico Telecom", 40000, src="outbound",
     lost="no budget", dom="atlantico", tags="eu telco enterprise",
     who=["Miguel Ferreira | Head of NOC", "Ana Rodrigues | Engineering manager"],
     hist="lead 2026-04-06, contacted 2026-04-15, qualified 2026-05-20, lost 2026-07-08", close="2026-09-30",
     bant=dict(budget="Expected in the H2 plan, then cut", authority="Miguel, but the CFO owns the H2 plan",
               need="Network and app telemetry in one place", timeline="H2 2026"),
     tasks=["2026-05-20 2026-06-12 done 2026-06-10 @tom: POC plan",
            "2026-06-12 2026-07-10 cancelled 2026-07-08: Run the POC"],
     acts=["2026-04-06 email out: Outreach to Miguel",
           "2026-04-15 call: Discovery",
           "2026-05-20 meeting: Visit in Lisbon",
           "2026-06-10 email out: POC plan",
           "2026-07-08 email in: Budget frozen after parent company cost cuts"],
     notes="""Budget frozen after their parent company announced cost cuts. Miguel was genuinely keen; revisit during their 2027 planning (September).

        - Miguel: head of NOC, champion
        - Ana: engineering manager, would have run the POC""")

deal("Bramble Learning platform licence", "maya", "Bramble Learning", 10000, src="outbound",
     lost="no decision", tags="eu edtech", who=["Aoife Kelly | CTO", "Darragh Walsh | DevOps lead"],
     hist="lead 2026-05-04, contacted 2026-05-13, qualified 2026-06-09, proposal 2026-07-01, lost 2026-09-03",
     close="2026-08-31", bant=dict(budget="Around 10k", authority="Aoife, but the three co-founders vote",
                                   need="Outages during exam season", timeline="Before the September term"),
     tasks=["2026-07-01 2026-07-15 done 2026-07-14: Follow up on proposal",
            "2026-07-15 2026-08-05 done 2026-08-06: Second follow-up",
            "2026-08-06 2026-08-28 cancelled 2026-09-03: Last check-in"],
     acts=["2026-05-04 email out: Outreach to Aoife",
           "2026-05-13 call: Discovery",
           "2026-06-09 meeting @tom: Demo with Darragh",
           "2026-07-01 email out: Proposal",
           "2026-08-06 email out: Follow-up, no answer",
           "2026-09-03 email in: Aoife: not deciding on tooling this year"],
     notes="""No decision. Three co-founders and nobody owns infra spend; the proposal sat for two months.

        Warning sign for next time: when the authority answer is "we all decide", it's nobody.""")

deal("Cerulean Media CDN logs", "tom", "Cerulean Media", 8000, src="content", lost="stale",
     tags="eu media", who=["Lucas Bernard | DevOps engineer"],
     hist="lead 2026-07-20, contacted 2026-08-03, lost 2026-10-15 @maya",
     close="2026-10-31", bant=dict(need="Make sense of CDN logs"),
     tasks=["2026-08-03 2026-08-21 done 2026-08-24: Send CDN log ingestion example",
            "2026-08-24 2026-09-15 cancelled 2026-10-15: Follow up with Lucas"],
     acts=["2026-07-20 email in: Downloaded the CDN logs guide",
           "2026-08-03 call: Short call with Lucas",
           "2026-08-24 email out: Sent the ingestion example",
           "2026-09-16 email out: Follow-up, no reply",
           "2026-10-15 note @maya: Pipeline clean-up, marked stale"],
     notes="""Went silent after August. Lucas liked the CDN log example but never came back. Closed as stale in the October clean-up.""")

deal("Alcor Bio lab systems monitoring", "maya", "Alcor Bio", 19000, src="referral", lost="bad timing",
     tags="eu biotech", who=["Lea Hofmann | Head of Research IT", "Nico Baumann | Sysadmin"],
     hist="lead 2026-08-17, contacted 2026-08-20, qualified 2026-09-08, proposal 2026-10-06, lost 2026-11-06",
     close="2026-11-30", bant=dict(budget="Approved", authority="Lea", need="Lab instrument servers fail silently",
                                   timeline="Was Q4, now after their move to a new site"),
     tasks=["2026-10-06 2026-10-20 done 2026-10-19: Proposal walkthrough",
            "2026-10-20 2026-11-13 cancelled 2026-11-06: Contract"],
     acts=["2026-08-17 email in: Intro from a Basel meetup contact",
           "2026-08-20 call: Discovery with Lea",
           "2026-09-08 meeting @tom: Demo with Nico",
           "2026-10-06 email out: Proposal",
           "2026-10-19 call: Proposal walkthrough",
           "2026-11-06 email in: Moving labs in Q1, come back in April"],
     notes="""Bad timing, not a bad fit: they move into a new lab building in Q1 2027 and the whole infra gets rebuilt. Lea asked us to come back in April.

        April: reopen as a new deal, they liked the proposal as it was.""")

# ---- New business: fridge --------------------------------------------------
deal("Lindqvist Retail store systems", "ines", "Lindqvist Retail", 16000, src="outbound",
     tags="eu retail", who=["Karin Lindqvist | IT director"],
     hist="lead 2026-07-28, contacted 2026-08-11, fridge 2026-09-10",
     bant=dict(need="Store POS and backend monitoring", timeline="After their ERP migration (Q2 2027)"),
     tasks=["2026-08-11 2026-08-25 done 2026-08-26: Send the Ardent retail story",
            "2026-08-26 2026-09-15 cancelled 2026-09-10: Book a demo"],
     acts=["2026-07-28 email out: Outreach to Karin",
           "2026-08-11 call: Intro, 140 stores",
           "2026-09-10 email in: Karin: frozen until the ERP migration is done"],
     notes="""**Parked.** Karin is interested, but the whole IT team is on their ERP migration until Q2 2027 and she asked us not to chase before then.

        Reopen in April 2027. The Ardent story (retail, peak season) landed well.""")

deal("Nordhavn Studios render farm", "tom", "Nordhavn Studios", 10000, src="inbound",
     tags="eu media", who=["Mads Kjeldsen | Pipeline TD"],
     hist="lead 2026-08-24, contacted 2026-08-27, qualified 2026-09-14, fridge 2026-10-02",
     bant=dict(budget="10k from the render farm upgrade", authority="Was the CTO, who just left",
               need="Render nodes failing mid-job", timeline="Unknown until the new CTO starts"),
     tasks=["2026-09-14 2026-09-25 done 2026-09-24: Render farm sizing",
            "2026-09-25 2026-10-09 cancelled 2026-10-02: Proposal"],
     acts=["2026-08-24 email in: Trial signup",
           "2026-08-27 call: Mads, 300 render nodes",
           "2026-09-14 meeting: Demo with Mads",
           "2026-10-02 email in: CTO left, everything on hold"],
     notes="""**Parked:** their CTO left in late September and the new one starts in January. Mads still wants it but can't sign anything.

        Ping Mads mid-January, once the new CTO has settled in.""")

# ---- New business: open, lead ----------------------------------------------
deal("Tessera Games build farm monitoring", "ines", "Tessera Games", 9000, src="inbound",
     tags="eu gaming", who=["Aino Virtanen | Build engineer"],
     hist="lead 2026-11-16", close="2027-02-26", bant=dict(need="Build agents die silently overnight"),
     tasks=["2026-11-19 2026-12-01 open: Discovery call with Aino"],
     acts=["2026-11-16 email in: Trial signup, asked about Windows build agents",
           "2026-11-19 email out: Call slots + Windows agent docs"],
     notes="""Inbound trial. Helsinki studio, ~60 build agents (Windows and Linux). Aino is a build engineer, not a buyer: find out who owns tooling spend.

        Windows agent support is the first question to answer.""")

deal("Helio Robotics fleet telemetry", "maya", "Helio Robotics", 24000, cur="USD", src="event",
     tags="us robotics edge", who=["Sam Whitaker | Head of Fleet Software", "Leila Haddad | Robotics engineer"],
     hist="lead 2026-11-20", close="2027-03-31",
     tasks=["2026-11-24 2026-12-03 open: Send deck + self-hosting architecture doc to Sam"],
     acts=["2026-11-20 meeting: Chat with Sam and Leila at a Pittsburgh robotics meetup",
           "2026-11-24 email out: Follow-up with recap"],
     notes="""Met Sam at a robotics meetup in Pittsburgh. ~400 warehouse robots upload telemetry over flaky LTE.

        They want an edge collector that buffers offline. That's on our roadmap, not in the product: be honest about it.""")

deal("Vinea Foods plant monitoring", "ines", "Vinea Foods", 6000, src="outbound",
     tags="eu manufacturing", who=["Paolo Conti | Plant IT manager"],
     hist="lead 2026-11-18", close="2027-01-29",
     tasks=["2026-11-23 2026-11-25 open: Call Paolo back about the plant floor setup"],
     acts=["2026-11-18 email out: Outreach to Paolo",
           "2026-11-23 email in: Paolo interested, asked for a call on Wednesday"],
     notes="""Outbound. Vinea runs two food plants near Verona; Paolo looks after plant IT (SCADA gateways, a few dozen Linux boxes).

        Small but a new vertical. He asked for a call on Wednesday and we missed it: call him back.""")

deal("Tundra Mapping tile servers", "tom", "Tundra Mapping", 8000, src="referral",
     tags="eu", who=["Mikko Laine | CTO"],
     hist="lead 2026-11-24", close="2027-02-15",
     tasks=["2026-11-24 2026-12-04 open: Intro call with Mikko"],
     acts=["2026-11-24 email in: Intro from Henrik (Halvard)",
           "2026-11-25 email out: Sent times for an intro call"],
     notes="""Intro from Henrik at Halvard. Mikko runs a small mapping company in Oulu: tile servers, lots of cache misses nobody can explain.

        Tom takes it, it's a technical sale.""")

deal("Rosenthal Kliniken patient portal monitoring", "maya", "Rosenthal Kliniken", 15000, src="content",
     tags="eu healthcare", who=["Stefan Brandl | Head of IT"],
     hist="lead 2026-10-05", close="2027-04-15",
     bant=dict(need="Patient portal uptime reporting for the state ministry"),
     tasks=["2026-10-09 2026-12-08 open: Try Stefan again after their EHR go-live"],
     acts=["2026-10-05 email in: Downloaded the healthcare compliance whitepaper",
           "2026-10-09 email out: Follow-up with a whitepaper summary, no reply"],
     notes="""Content lead (healthcare whitepaper). Hospital group with four clinics in Bavaria. No reply since; they're in the middle of an EHR go-live.

        Low priority, decent size.""")

# ---- New business: open, contacted -----------------------------------------
deal("Marisol Travel booking platform", "ines", "Marisol Travel", 18000, src="outbound",
     tags="eu travel gdpr", who=["Carmen Ortega | CTO", "Javier Ruiz | Platform lead"],
     hist="lead 2026-10-26, contacted 2026-11-16", close="2027-03-31",
     bant=dict(authority="Carmen", need="Booking API latency spikes during campaigns"),
     tasks=["2026-11-16 2026-11-20 done 2026-11-20: Send architecture overview",
            "2026-11-23 2026-12-02 open: Answer Carmen's questions on data retention and GDPR",
            "2026-11-23 2026-12-09 open @tom: Book a demo with Javier's platform team"],
     acts=["2026-10-26 email out: Outreach to Carmen",
           "2026-11-05 email out: Follow-up",
           "2026-11-16 call: First call with Carmen",
           "2026-11-23 email in: Carmen sent GDPR and retention questions"],
     notes="""Madrid booking platform, ~120 hosts on Hetzner plus a bit of AWS. Carmen replied to the second email.

        - Pain: latency spikes during flash sales; they notice when ad spend stops converting
        - GDPR questions first, then a demo for Javier's team""")

deal("Yes Energy battery fleet telemetry", "maya", "Yes Energy", 28000, src="inbound",
     dom="yesenergy", tags="eu energy iot", who=["Sanne Bakker | Engineering manager", "Daan Visser | SRE"],
     hist="lead 2026-11-10, contacted 2026-11-17", close="2027-03-15",
     bant=dict(budget="Unknown, Sanne guesses 20-30k", need="Telemetry from 40k home batteries lags at peak"),
     tasks=["2026-11-24 2026-12-01 open @tom: Demo for Sanne's team"],
     acts=["2026-11-10 email in: Contact form, asked about on-prem pricing",
           "2026-11-17 call: Discovery with Sanne",
           "2026-11-24 email out: Demo invite for 1 Dec"],
     notes="""Inbound. Utrecht home-battery and solar installer; every battery reports every 30 seconds and ingest lags at the evening peak.

        Sanne runs engineering, Daan is the only SRE. Tom demos on 1 Dec.""")

deal("0800 Telecom NOC modernisation", "tom", "0800 Telecom", 32000, cur="GBP", src="event",
     dom="0800telecom", tags="uk telco enterprise",
     who=["Priya Shah | Head of NOC", "Callum Reid | 12:30 standup owner"],
     hist="lead 2026-06-18, contacted 2026-07-02, fridge 2026-08-10, contacted 2026-11-19", close="2027-02-26",
     bant=dict(authority="Priya (new in the role since October)", need="NOC juggles three legacy monitoring tools"),
     tasks=["2026-07-02 2026-07-17 done 2026-07-16: Send NOC case material",
            "2026-07-16 2026-08-20 cancelled 2026-08-10: Demo for the NOC (reorg, parked)",
            "2026-11-25 2026-12-03 open: Send NOC reference architecture to Priya"],
     acts=["2026-06-18 meeting: Met the previous NOC head at a UK telco ops conference",
           "2026-07-02 call: Intro call",
           "2026-08-10 email in: Reorg, everything paused",
           "2026-11-19 email in: Priya (new Head of NOC) got our deck from Callum",
           "2026-11-25 call: Priya + Callum, good call"],
     notes="""Back from the fridge. Parked in August during their reorg; in November the new Head of NOC, Priya, reached out herself after Callum forwarded our deck.

        - Priya: wants quick wins in her first 100 days
        - Callum: runs the daily NOC standup and signs his emails "12:30 standup owner", so that's his role here

        Three legacy monitoring tools, none of which the NOC trusts.""")

deal("Polder Water SCADA dashboards", "maya", "Polder Water", 12000, src="referral",
     tags="eu utilities", who=["Joost van Dijk | OT team lead"],
     hist="lead 2026-11-02, contacted 2026-11-16", close="2026-12-22",
     bant=dict(budget="About 15k left in 2026, use it or lose it", timeline="Wants to order before 31 Dec"),
     tasks=["2026-11-16 2026-11-24 open: Send pricing for the 40-host band",
            "2026-11-20 2026-12-08 open @tom: Check Modbus exporter compatibility"],
     acts=["2026-11-02 email in: Referral from Femke (Voltaic)",
           "2026-11-16 call: Joost: OT dashboards, 40 hosts",
           "2026-11-20 email out: Recap and Modbus questions"],
     notes="""Referral from Femke at Voltaic. Dutch water board; Joost leads the OT team.

        He has year-end budget to spend, so this can close in December if we're quick. Pricing for the 40-host band was promised on the call and still isn't out. **Do it.**""")

deal("Baltica Shipping port operations", "tom", "Baltica Shipping", 14000, src="outbound",
     tags="eu logistics", who=["Tomasz Nowak | Infrastructure manager", "Kasia Wiśniewska | DevOps engineer"],
     hist="lead 2026-11-09, contacted 2026-11-18", close="2027-03-31",
     tasks=["2026-11-09 2026-11-18 done 2026-11-18: Intro call with Tomasz"],
     acts=["2026-11-09 email out: Outreach to Tomasz",
           "2026-11-18 call: Intro: terminal operations systems",
           "2026-11-26 email in: Tomasz sent their host inventory"],
     notes="""Gdynia port operator. Tomasz sent their host inventory (~90 machines, half Windows) after the intro call.

        Undecided: sizing call first, or straight to a demo?""")

# ---- New business: open, qualified -----------------------------------------
deal("Kranich Logistics platform licence", "maya", "Kranich Logistics", 42000, src="outbound",
     tags="eu enterprise self-hosted", who=["Lena Vogt | VP Engineering", "Jonas Brandt | SRE lead"],
     hist="lead 2026-08-31, contacted 2026-09-08, qualified 2026-11-10", close="2027-02-26",
     bant=dict(budget="FY27 platform budget, about 50k reserved", authority="Lena signs up to 50k",
               need="Datadog bill tripled; logs must stay in the EU", timeline="Decision before their Q1 budget lock (end of Feb)"),
     tasks=["2026-09-08 2026-09-30 done 2026-09-29 @tom: Help Jonas with the docker-compose trial",
            "2026-11-10 2026-11-20 done 2026-11-19: Reference call with Eikhof",
            "2026-11-24 2026-12-04 open: Draft proposal: Business tier + 5 onboarding days"],
     acts=["2026-08-31 email out: Cold email to Lena",
           "2026-09-08 call: Discovery with Lena",
           "2026-10-01 meeting @tom: Tech deep dive with Jonas",
           "2026-11-10 meeting: Lena confirmed budget and timeline",
           "2026-11-24 call: Jonas: trial numbers look good, go for a proposal"],
     notes="""Hamburg freight software company. ~180 hosts across two data centres; Datadog went from 60k to 140k a year.

        - **Lena Vogt** (VP Eng): economic buyer, wants off SaaS for data residency
        - **Jonas Brandt** (SRE lead): champion, ran the docker-compose trial himself
        - Pains: cardinality costs, logs leaving the EU

        Next: proposal with Business tier + onboarding, signature before their February budget lock.""")

deal("Grünwald Medtech device logs", "ines", "Grünwald Medtech", 22000, src="inbound",
     dom="gruenwald", tags="eu medtech security-review",
     who=["Katharina Huber | Head of Software Quality", "Florian Gruber | DevOps engineer"],
     hist="lead 2026-10-20, qualified 2026-11-12", close="2027-03-31",
     bant=dict(budget="Q1 2027 budget, 20-25k", authority="Katharina + their QA board",
               need="Device log traceability for MDR audits", timeline="MDR audit in May 2027"),
     tasks=["2026-10-27 2026-11-06 done 2026-11-05: Send MDR traceability one-pager",
            "2026-11-12 2026-12-05 open @tom: Fill in their security questionnaire (v3 template)"],
     acts=["2026-10-20 email in: Website enquiry about medical device logs",
           "2026-10-27 call: Discovery, MDR audit angle",
           "2026-11-12 meeting: Qualification with Katharina and Florian",
           "2026-11-23 email out: Questionnaire status + timeline"],
     notes="""Innsbruck medical device maker. Skipped "contacted": Katharina booked a call straight from the website.

        Everything hangs on the MDR audit in May 2027. The security questionnaire is long; Tom owns it.""")

deal("Lantern Mutual claims platform", "maya", "Lantern Mutual", 38000, src="referral",
     tags="eu insurance enterprise", who=["Siobhan O'Connor | Director of Platform Engineering", "Cian Murphy | Principal engineer"],
     hist="lead 2026-07-14, contacted 2026-07-20, qualified 2026-09-02 @tom", close="2027-01-15",
     bant=dict(budget="Needs CFO approval, not in the current plan", authority="Siobhan recommends, the CFO decides",
               need="Claims platform outages, six monitoring tools", timeline="'Early next year'"),
     tasks=["2026-09-02 2026-09-18 done 2026-09-17: Business case template for their CFO",
            "2026-10-21 2026-12-01 open: Chase Siobhan on the CFO decision"],
     acts=["2026-07-14 email in: Intro from Anna at our seed fund",
           "2026-07-20 call: Discovery with Siobhan",
           "2026-09-02 meeting @tom: Architecture session, Cian on board",
           "2026-09-17 email out: Business case template",
           "2026-10-21 email out: Nudge, no reply"],
     notes="""Intro from Anna at our seed fund. Dublin insurer; the claims platform runs on ~200 VMs watched by six different tools.

        Stuck: Siobhan wants it, the CFO hasn't put it in the plan. Quiet since the business case template in September. Cian might be the way back in.""")

deal("Cobalt Ledger audit trail", "tom", "Cobalt Ledger", 16000, src="content",
     dom="cobalt", tags="eu fintech", who=["Kristjan Tamm | Head of Engineering"],
     hist="lead 2026-10-06, contacted 2026-10-14, qualified 2026-11-09", close="2027-01-29",
     bant=dict(budget="15-20k", authority="Kristjan", need="Tamper-evident audit trail of ops events (regulator ask)",
               timeline="End of Q1"),
     tasks=["2026-10-14 2026-10-23 done 2026-10-22: Send audit trail design note",
            "2026-11-09 2026-11-25 done 2026-11-25: Tech validation call"],
     acts=["2026-10-06 email in: Read our audit trail blog post",
           "2026-10-14 call: Intro with Kristjan",
           "2026-11-09 meeting: Qualification",
           "2026-11-25 call: Tech validation went well"],
     notes="""Tallinn fintech, came in through the audit-trail blog post.

        Tech validation on 25 Nov went well and Kristjan wants a proposal, but nobody has put a date on it yet.""")

deal("Halvard Systems migration off Datadog", "maya", "Halvard Systems", 55000, src="referral", prob=30,
     tags="eu enterprise datadog-migration",
     who=["Henrik Dahl | CTO", "Mette Larsen | Platform lead", "Søren Madsen | Procurement"],
     hist="lead 2026-09-15, contacted 2026-09-17, qualified 2026-10-02, proposal 2026-10-30, qualified 2026-11-18",
     close="2027-02-12", bant=dict(budget="55k in the 2027 plan, may change after the merger",
                                   authority="Henrik; Søren (procurement) negotiates",
                                   need="Datadog spend around 180k a year", timeline="Datadog contract ends 31 March"),
     tasks=["2026-10-02 2026-10-23 done 2026-10-28 @tom: Sizing workshop with Mette",
            "2026-10-30 2026-11-13 done 2026-11-12: Proposal walkthrough with Henrik",
            "2026-11-18 2026-12-02 open: Re-scope host count after the merger",
            "2026-11-18 2026-12-11 open: Send revised proposal"],
     acts=["2026-09-15 email in: Intro from Dana (Kestrel), Henrik is an old colleague",
           "2026-09-17 call: Discovery with Henrik",
           "2026-10-02 meeting @tom: Sizing workshop",
           "2026-10-30 email out: Proposal, 55k",
           "2026-11-18 meeting: Merger announced, scope changes",
           "2026-11-24 meeting @tom: Scoping the merged estate with Mette"
           " || Merged estate is ~900 hosts, not 400. Mette wants one proposal for both companies."],
     notes="""Biggest open deal. Copenhagen SaaS company paying Datadog ~180k a year.

        ## Status
        Proposal was out at 55k, then on 18 Nov they announced a merger with a Swedish competitor. Host count might double and procurement starts over. Moved back to qualified, probability 30% until the new scope is clear.

        - Henrik (CTO): sponsor
        - Mette: runs platform, did the sizing
        - Søren: procurement, tough negotiator""")

deal("Brightwater Health on-prem rollout", "ines", "Brightwater Health", 45000, cur="USD", src="partner",
     tags="us healthcare hipaa security-review",
     who=["Monica Reyes | VP Infrastructure", "Derek Olsen | Security and compliance"],
     hist="lead 2026-09-24, contacted 2026-10-05, qualified 2026-11-17", close="2027-04-30",
     bant=dict(budget="FY27 budget (starts January)", authority="Monica; the CISO must approve",
               need="HIPAA: PHI in logs can't go to a SaaS vendor", timeline="Live before their Q2 audit"),
     tasks=["2026-10-05 2026-10-16 done 2026-10-15: Send HIPAA architecture note",
            "2026-11-17 2026-12-10 open: BAA review with their counsel",
            "2026-11-19 2026-12-18 open snooze=2026-12-07: Ask Monica for an intro to the CISO"],
     acts=["2026-09-24 email in: Brian (Lodestar) introduced Monica",
           "2026-10-05 call: Discovery with Monica",
           "2026-10-15 email out: HIPAA architecture note",
           "2026-11-17 meeting @tom: Qualification + architecture review",
           "2026-11-19 email in: Derek sent their BAA draft"],
     notes="""First deal through Lodestar. Regional hospital network in Ohio; PHI ends up in application logs, so SaaS is a non-starter.

        - Monica: VP Infra, sponsor
        - Derek: compliance, drives the BAA

        CISO intro can wait until the BAA is agreed (snoozed to early December).""")

# ---- New business: open, proposal ------------------------------------------
deal("Voltaic Mobility renewal 2027", "maya", "Voltaic Mobility", 30000, src="inbound", prob=80,
     dom="voltaic", tags="eu renewal expansion", who=["Femke de Vries | Head of Platform", "Ruben Jansen | SRE"],
     hist="lead 2026-10-12, qualified 2026-10-12, proposal 2026-11-11", close="2026-12-15",
     bant=dict(budget="Approved: renewal plus expansion to 400 hosts", authority="Femke",
               need="Charger fleet doubled this year", timeline="Current licence ends 19 Dec"),
     tasks=["2026-11-11 2026-11-20 done 2026-11-19: Renewal proposal walkthrough",
            "2026-11-23 2026-12-04 open: Get the PO number from Femke"],
     acts=["2026-10-12 email in: Femke asks about renewal and doubling hosts",
           "2026-10-20 call: Renewal scope",
           "2026-11-11 email out: Renewal proposal: Business tier",
           "2026-11-19 call: Walkthrough, verbal yes",
           "2026-11-23 email in: PO in progress at their finance team"],
     notes="""Renewal of our first customer, moving from Team to Business tier because the charger fleet doubled.

        Verbal yes on 19 Nov, PO in progress. Probability 80%: only paperwork left, but their finance team is slow in December.""")

deal("Quayside Payments PCI logging", "tom", "Quayside Payments", 26000, cur="GBP", src="outbound",
     tags="uk fintech pci security-review", who=["Hannah Price | Head of Platform", "Raj Patel | Compliance lead"],
     hist="lead 2026-06-02, contacted 2026-06-10, qualified 2026-07-22, proposal 2026-11-09", close="2026-11-20",
     pushed=["2026-08-20 2026-09-30 2026-10-31", "2026-10-28 2026-10-31 2026-11-20"],
     bant=dict(budget="Budgeted in H2", authority="Hannah; legal must approve the MSA",
               need="PCI DSS 4.0 logging requirements", timeline="Wanted by end of November"),
     tasks=["2026-07-22 2026-08-28 done 2026-09-30: PCI scoping document",
            "2026-11-09 2026-11-16 done 2026-11-13: Send MSA",
            "2026-11-26 2026-11-30 open: Chase legal redlines on the MSA"],
     acts=["2026-06-02 email out: Outreach to Hannah",
           "2026-06-10 call: Discovery",
           "2026-07-22 meeting: PCI scoping session with Raj",
           "2026-09-30 email out: Scoping document",
           "2026-11-09 email out: Proposal + MSA",
           "2026-11-26 email in: Hannah: legal still reviewing the MSA"],
     notes="""London payments processor. Long road through PCI scoping; the proposal finally went out on 9 Nov.

        The expected close (20 Nov) has passed: their legal team is still on the MSA. Hannah says "weeks, not months". Update the close date after the call with legal.""")

deal("Solvik Data warehouse observability", "ines", "Solvik Data", 20000, src="inbound",
     tags="eu data clickhouse", who=["Erik Lindberg | Data platform lead"],
     hist="lead 2026-09-03, contacted 2026-09-07, qualified 2026-10-13, proposal 2026-11-13", close="2026-12-18",
     bant=dict(budget="Around 20k", authority="Erik's manager signs", need="Slow queries nobody can attribute",
               timeline="Before their January freeze"),
     tasks=["2026-10-13 2026-11-06 done 2026-11-10 @tom: Proof of value on their ClickHouse cluster",
            "2026-11-13 2026-11-23 open: Follow up on the proposal with Erik"],
     acts=["2026-09-03 email in: Trial signup",
           "2026-09-07 call: Intro with Erik",
           "2026-10-13 meeting: Qualification",
           "2026-11-13 email out: Proposal",
           "2026-11-20 email in: Erik: reviewing with his manager, back next week"],
     notes="""Stockholm analytics company; their ClickHouse cluster is the product and nobody can say why queries slow down on Mondays.

        Proof of value went well. Follow-up on the proposal is overdue.""")

deal("Meridian Grid control-room pilot", "maya", "Meridian Grid", 60000, src="event", prob=40,
     dom="meridiangrid", tags="eu energy enterprise tender",
     who=["Giulia Romano | Head of Control Room IT", "Marco Esposito | Procurement"],
     hist="lead 2026-04-08, contacted 2026-04-20, qualified 2026-06-11, proposal 2026-09-22", close="2026-12-31",
     pushed=["2026-10-28 2026-10-30 2026-12-31"],
     bant=dict(budget="Tender budget 60-80k", authority="Tender committee", need="Control room monitoring modernisation",
               timeline="Award was due in October"),
     tasks=["2026-06-11 2026-07-10 done 2026-07-08 @tom: Tender technical answers",
            "2026-09-22 2026-10-09 done 2026-10-08: Clarification questions from procurement",
            "2026-10-28 2026-12-02 open: Ask Giulia whether the tender award has a new date"],
     acts=["2026-04-08 meeting: Met Giulia at a grid technology conference in Milan",
           "2026-04-20 call: Discovery",
           "2026-06-11 meeting @tom: On-site in Rome",
           "2026-09-22 email out: Tender submission",
           "2026-10-08 email out: Answers to clarification questions",
           "2026-10-28 call: Giulia: award delayed, no new date"],
     notes="""Italian grid operator, public tender. We submitted on 22 Sept; the award was due in October and has slipped with no new date.

        Probability down to 40%: tenders drift and we're the smallest bidder. Giulia is on our side; Marco (procurement) is neutral.""")

deal("Fernhill Bank log retention", "maya", "Fernhill Bank", 48000, cur="GBP", src="outbound",
     tags="uk enterprise banking security-review",
     who=["Alistair Byrne | Head of Infrastructure", "Grace Thompson | Vendor risk"],
     hist="lead 2026-03-16, contacted 2026-03-30, qualified 2026-05-18, proposal 2026-11-16", close="2027-03-31",
     bant=dict(budget="2027 infrastructure budget", authority="Alistair, then the investment committee",
               need="Seven-year log retention on-prem", timeline="Contract by end of Q1 2027"),
     tasks=["2026-05-18 2026-07-31 done 2026-10-30 @tom: Vendor risk assessment with Grace",
            "2026-11-16 2026-11-16 done 2026-11-16: Send proposal",
            "2026-11-20 2026-11-24 done 2026-11-24: Procurement intro call"],
     acts=["2026-03-16 email out: Outreach to Alistair",
           "2026-03-30 call: Discovery",
           "2026-05-18 meeting @tom: Architecture session",
           "2026-10-30 email in: Vendor risk approved",
           "2026-11-16 email out: Proposal",
           "2026-11-24 call: Procurement intro call"],
     notes="""Mid-size UK bank. Five months in vendor risk, approved 30 Oct. Proposal out 16 Nov, procurement intro done 24 Nov.

        Procurement said they'll "be in touch". We should set the next step, not them.""")

deal("Orchard Pay incident analytics", "tom", "Orchard Pay", 11000, src="inbound",
     dom="orchardpay", tags="eu fintech", who=["Ciara Doyle | Engineering manager"],
     hist="lead 2026-10-29, contacted 2026-11-02, qualified 2026-11-06, proposal 2026-11-20", close="2026-11-25",
     bant=dict(budget="11k", authority="Ciara, her VP approves", need="Post-incident timelines take days to assemble",
               timeline="Wanted before their Black Friday change freeze"),
     tasks=["2026-11-20 2026-11-27 done 2026-11-26: Answer the VP's pricing questions",
            "2026-11-26 2026-12-04 open: Agree a new close date with Ciara"],
     acts=["2026-10-29 email in: Trial signup",
           "2026-11-02 call: Intro with Ciara",
           "2026-11-06 meeting: Demo",
           "2026-11-20 email out: Proposal",
           "2026-11-26 email in: VP questions; signing after the freeze"],
     notes="""Dublin payments startup. Ciara wanted it live before their Black Friday change freeze; that slipped, so the close date is now in the past.

        The VP's questions are answered. Keep the close date honest once Ciara gives a new one.""")

# ---- Partnerships ----------------------------------------------------------
deal("Lodestar Integrations US reseller", "maya", "Lodestar Integrations", 6000, pipe=PS, cur="USD",
     src="partner", tags="us reseller", who=["Brian Castillo | Partner manager"],
     hist="intro 2025-12-02, exploring 2026-01-08, pilot 2026-01-26, signed 2026-02-25", close="2026-03-31",
     bant=dict(budget="No upfront fee; about 6k first-year margin to us", authority="Brian, with their COO",
               need="Their clients ask for self-hosted observability", timeline="Before their Q1 partner kickoff"),
     tasks=["2026-01-08 2026-01-23 done 2026-01-22: Reseller terms draft",
            "2026-01-26 2026-02-20 done 2026-02-19 @tom: Pilot with one Lodestar client",
            "2026-02-25 2026-03-13 done 2026-03-12: Partner enablement session"],
     acts=["2025-12-02 call: Intro with Brian",
           "2026-01-08 meeting: Terms discussion",
           "2026-01-26 meeting @tom: Pilot kickoff",
           "2026-02-25 email in: Signed reseller agreement"],
     notes="""Systems integrator in Austin, ~40 consultants. They resell us to mid-market clients at 20% margin and do first-line support.

        Value is our expected first-year revenue through them, not a licence.""")

deal("Emberline Training course partnership", "ines", "Emberline Training", 2000, pipe=PS,
     src="content", tags="eu training", who=["Isabel Navarro | Founder"],
     hist="intro 2026-05-12, exploring 2026-06-02, signed 2026-08-14", close="2026-07-31",
     tasks=["2026-06-02 2026-06-19 done 2026-06-22: Review their course outline",
            "2026-07-01 2026-08-07 done 2026-08-13: Sign co-branding agreement"],
     acts=["2026-05-12 email in: Isabel wants to build a course on self-hosted observability",
           "2026-06-02 call: Course scope",
           "2026-07-01 email out: Co-branding terms",
           "2026-08-14 email in: Signed"],
     notes="""Valencia training company running SRE courses. They build a two-day Tidewater course; we get leads, they get a free trainer licence.

        Value = estimated referral fees for the first year.""")

deal("OpsGuild reseller agreement", "tom", "OpsGuild", 0, pipe=PS, src="inbound", lost="not a fit",
     tags="eu reseller", who=["Wouter Smit | Managing director"],
     hist="intro 2026-02-23, exploring 2026-03-10, declined 2026-04-17",
     tasks=["2026-03-10 2026-03-27 done 2026-03-26: Discuss their exclusivity ask internally",
            "2026-03-27 2026-04-17 cancelled 2026-04-17: Draft reseller agreement"],
     acts=["2026-02-23 email in: Wouter asks about reselling",
           "2026-03-10 meeting: Terms discussion in Utrecht",
           "2026-04-17 email out: Declined: no EU exclusivity"],
     notes="""They wanted exclusive EU reseller rights for three years. We're not giving a six-person consultancy the whole continent.

        Declined on friendly terms; they may still refer deals ad hoc.""")

deal("Baltic Cloud Exchange listing", "tom", "Baltic Cloud Exchange", 0, pipe=PS, src="outbound",
     lost="stale", dom="balticcloud", tags="eu marketplace", who=["Rasa Kazlauskienė | Partnerships"],
     hist="intro 2026-06-22, exploring 2026-07-15, declined 2026-10-30 @maya",
     tasks=["2026-07-15 2026-08-07 done 2026-08-05: Send listing materials",
            "2026-08-05 2026-09-04 cancelled 2026-10-30: Follow up on the listing review"],
     acts=["2026-06-22 email out: Outreach to Rasa",
           "2026-07-15 call: Listing requirements",
           "2026-08-05 email out: Listing materials",
           "2026-09-10 email out: Follow-up, no reply",
           "2026-10-30 note @maya: Stale, closed in the clean-up"],
     notes="""Marketplace for Baltic cloud customers. Rasa went silent after we sent the listing materials in August. Closed as stale; not worth chasing.""")

deal("Nordic SRE Collective co-marketing", "ines", "Nordic SRE Collective", 0, pipe=PS, src="event",
     dom="nordicsre", tags="community nordics", who=["Johan Ek | Organiser"],
     hist="intro 2026-07-07, exploring 2026-08-05, fridge 2026-10-08",
     tasks=["2026-08-05 2026-09-01 done 2026-08-28: Propose joint webinar topics",
            "2026-09-01 2026-10-15 cancelled 2026-10-08: Schedule the webinar"],
     acts=["2026-07-07 meeting: Met Johan at their Stockholm meetup",
           "2026-08-05 call: Co-marketing ideas",
           "2026-08-28 email out: Webinar topics",
           "2026-10-08 email in: Johan wants a Nordic customer story first"],
     notes="""**Parked** until we have a Nordic customer story they can show. Nordlys might agree once they're live.

        Johan is keen; the community has ~2k SREs.""")

deal("Grafeno Partners Iberia referrals", "ines", "Grafeno Partners", 0, pipe=PS, src="referral",
     dom="grafeno", tags="eu referral iberia", who=["Pablo Serrano | Practice lead"],
     hist="intro 2026-11-19", close="2027-03-31",
     tasks=["2026-11-19 2026-12-02 open: Intro call with Pablo"],
     acts=["2026-11-19 email in: Rui (Portomar) introduced Pablo",
           "2026-11-23 email out: Proposed call times"],
     notes="""Madrid consultancy that builds platform teams for Spanish mid-market companies. Rui from Portomar made the intro.

        Could be our Iberian referral channel; Inês to run it.""")

deal("Harbor Ops Consulting referral partnership", "tom", "Harbor Ops Consulting", 5000, pipe=PS, src="event",
     dom="harborops", tags="eu referral", who=["Bas Mulder | Co-founder", "Eva de Groot | Principal consultant"],
     hist="intro 2026-10-01, exploring 2026-11-02", close="2027-01-29",
     tasks=["2026-11-02 2026-11-13 done 2026-11-12: Share partner deck",
            "2026-11-24 2026-12-07 open: Draft referral agreement (20% of first year)"],
     acts=["2026-10-01 meeting: Met Bas at a Rotterdam platform engineering meetup",
           "2026-11-02 call: Exploring referral terms",
           "2026-11-12 email out: Partner deck",
           "2026-11-24 call: They have two clients who would fit"],
     notes="""Rotterdam DevOps consultancy (12 people). Bas runs the business, Eva does the client work and has seen our product at two clients already.

        Two of their clients fit right now. Value = expected referral fees.""")

deal("Stackwise integrator programme", "tom", "Stackwise GmbH", 0, pipe=PS, src="outbound",
     dom="stackwise", tags="eu integrator", who=["Jan Becker | Head of Alliances"],
     hist="intro 2026-08-20, exploring 2026-09-14", close="2027-03-31",
     tasks=["2026-09-14 2026-10-02 done 2026-10-01: Send integrator programme outline",
            "2026-10-16 2026-12-09 open snooze=2026-12-01: Ping Jan after their partner summit"],
     acts=["2026-08-20 email out: Outreach to Jan",
           "2026-09-14 call: Interested, but their partner summit comes first",
           "2026-10-01 email out: Programme outline",
           "2026-10-16 email in: Jan will review after the summit in late November"],
     notes="""Munich systems integrator, ~150 consultants. Jan likes the idea, but all alliance decisions wait for their partner summit at the end of November.

        Nothing to do until then.""")

deal("Ostrava Cloud marketplace listing", "maya", "Ostrava Cloud", 4000, pipe=PS, src="partner",
     dom="ostravacloud", tags="eu marketplace", who=["Petr Dvořák | Head of Partnerships", "Lucie Novotná | Product manager"],
     hist="intro 2026-06-03, exploring 2026-07-01, pilot 2026-10-20", close="2027-01-29",
     bant=dict(budget="Revenue share 70/30, no upfront", authority="Petr", need="Their customers want observability they can self-host",
               timeline="Listing live in Q1 2027"),
     tasks=["2026-07-01 2026-08-14 done 2026-09-30 @tom: One-click install image for their marketplace",
            "2026-10-20 2026-11-13 done 2026-11-12 @tom: Fix install on their ARM instances",
            "2026-11-25 2026-12-03 open: Review pilot metrics with Lucie"],
     acts=["2026-06-03 email in: Petr asks about a marketplace listing",
           "2026-07-01 meeting: Visit in Prague",
           "2026-09-30 email out @tom: Install image ready",
           "2026-10-20 call: Pilot started with 5 customers",
           "2026-11-12 email out @tom: ARM install fix shipped",
           "2026-11-25 call: Pilot check-in, 9 installs so far"],
     notes="""Czech hosting provider, ~3k business customers. Pilot listing went live on 20 Oct for a handful of customers; 9 installs so far.

        - Petr: owns partnerships, decides
        - Lucie: product manager for the marketplace, day-to-day contact""")

deal("CloudCairn managed service bundle", "tom", "CloudCairn", 3000, pipe=PS, src="partner",
     tags="eu msp", who=["Sean Gallagher | Service delivery manager"],
     hist="intro 2026-08-11, exploring 2026-09-01, pilot 2026-11-03", close="2027-02-26",
     bant=dict(budget="Per-client licence, billed through them", authority="Sean", need="Offer monitoring as part of their managed service",
               timeline="Bundle in their 2027 price list"),
     tasks=["2026-11-03 2026-11-20 done 2026-11-19: Pilot setup for their first MSP client",
            "2026-11-23 2026-12-01 open: Pilot check-in: alert routing into their ticketing"],
     acts=["2026-08-11 email in: Sean asks about MSP pricing",
           "2026-09-01 call: Exploring the bundle",
           "2026-11-03 meeting: Pilot kickoff",
           "2026-11-19 call: Pilot setup done",
           "2026-11-23 email in: Alert routing issues with their ticketing"],
     notes="""Irish MSP that wants to bundle us into their managed service. The pilot runs at one of their clients.

        Alert routing into their ticketing tool is the open issue.""")


# --------------------------------------------------------------------------
# Making the deals with pipe's own lifecycle
# --------------------------------------------------------------------------
def split_head(line):
    """'HEAD: text' -> (HEAD tokens, text)."""
    head, text = line.split(": ", 1)
    return head.split(), text


def parse_who(tokens, default):
    """Pop an '@who' token from tokens, returning the team id."""
    for tok in tokens:
        if tok.startswith("@"):
            tokens.remove(tok)
            return tok[1:]
    return default


def email(name, dom):
    """first.last@dom.example by pipe's slug of the name, an apostrophe dropped: O'Connor is oconnor."""
    return slugify(name.replace("'", "")).replace("-", ".") + f"@{dom}.example"


def without_stage_tasks(config):
    """config without its stages' on_enter tasks: every task of the sample is written out in its spec,
    so a move into proposal must not add its "Follow up on the proposal" again."""
    return replace(config, pipelines=tuple(replace(p, stages=tuple(replace(s, on_enter=()) for s in p.stages))
                                           for p in config.pipelines))


def build(spec, config):
    """The deal spec describes, made as `pipe add` makes it, then moved, set and given its tasks."""
    owner, d = spec["owner"], date.fromisoformat
    moves = [(t[0], d(t[1]), parse_who(t, owner)) for t in (entry.split() for entry in spec["hist"].split(","))]
    pushed = [p.split() for p in spec.get("pushed", [])]  # CHANGED FROM TO: the expected close date moved
    dom = spec.get("dom") or slugify(spec["account"]).replace("-", "")
    people = [[part.strip() for part in who.split("|")] for who in spec["who"]]
    (stage, created, by), close = moves[0], pushed[0][1] if pushed else spec.get("close")
    deal = lifecycle.create_deal(lifecycle.NewDeal(
        spec["title"], pipeline=spec.get("pipe", NB), stage=stage, value=str(spec["value"]), currency=spec.get("cur"),
        owner=owner, account=spec["account"], contacts=tuple(f"{p[0]} <{email(p[0], dom)}>" for p in people),
        source=spec["src"], tags=tuple(spec.get("tags", "").split()), close_date=close), config, set(), created, by)
    # pipe add's random suffix keeps two clones' new deals apart; the sample's ids, quoted in the docs, are bare slugs.
    deal.set("id", slugify(spec["title"]))
    deal.set("contacts", [dict(c, role=p[1]) if len(p) > 1 else c for c, p in zip(deal.contacts, people)])
    if "prob" in spec:
        lifecycle.set_field(deal, config, f"probability={spec['prob']}", created)
    for key in (k for k in BANT_KEYS if k in spec.get("bant", {})):
        lifecycle.set_field(deal, config, f"bant.{key}={spec['bant'][key]}", created)
    for stage, day, who in moves[1:]:
        lost = config.pipeline(deal.pipeline).find_stage(stage).kind == "lost"
        lifecycle.move(deal, config, stage, day, who, reason=spec.get("lost") if lost else None)
    for changed, before, after in pushed:
        assert lifecycle.set_field(deal, config, f"expected_close={after}", d(changed))[1] == d(before), deal.id

    for line in spec.get("tasks", []):
        tokens, text = split_head(line)
        assignee = parse_who(tokens, owner)
        snooze = [t.split("=", 1)[1] for t in tokens if t.startswith("snooze=")]
        created_on, due, status, *done = (t for t in tokens if not t.startswith("snooze="))
        tasks.add(deal, config, text, d(created_on), due=due, assignee=assignee)
        if snooze:
            tasks.snooze(deal, len(deal.tasks) - 1, snooze[0], TODAY)
        if status != "open":
            tasks.finish(deal, config, len(deal.tasks) - 1, status, TODAY, assignee, on=d(done[0]))

    # Stored without an id, as hand-written interactions are (pipe derives theirs from their content);
    # log_interaction would store a random one.
    for line in spec.get("acts", []):
        tokens, summary = split_head(line)
        summary, _, notes = summary.partition(" || ")
        act = dict(by=parse_who(tokens, owner), date=d(tokens[0]), kind=tokens[1], summary=summary, notes=notes,
                   direction=tokens[2] if len(tokens) > 2 else None)
        deal.append("activities", {key: act[key] for key in ACTIVITY_ORDER if act.get(key)})
    notes = "\n".join(line.strip() for line in spec.get("notes", "").splitlines()).strip()
    deal.body = notes + "\n" if notes else ""
    return deal


def check(deal, config):
    """Fail loudly on a typo in a spec: anything pipe check reports, and the sample's own rules."""
    # A missing next step is the one warning the sample has on purpose (on its stage line).
    problems = [p.message for p in meaning_problems(deal, config, TODAY)
                if p.severity == "error" or p.key_path != ("stage",)]
    assert not problems, (deal.id, problems)
    stages = config.pipeline(deal.pipeline).stages
    assert deal.history[0]["stage"] == stages[0].id, deal.id
    dates = [h["date"] for h in deal.history] + [a["date"] for a in deal.activities]
    dates += [t[key] for t in deal.tasks for key in ("created", "done") if key in t]
    assert all(EARLIEST <= x <= TODAY for x in dates), deal.id
    assert len(deal.open_tasks) <= (2 if lifecycle.stage_kind(deal, config) == "open" else 0), deal.id


def main(root):
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root / "pipelines.yaml", PIPELINES_YAML)
    workspace = Workspace(root)
    config = without_stage_tasks(workspace.config)
    # pipe draws task ids from `secrets`; here they come from a seeded RNG, the same on every run.
    with mock.patch.object(entryids, "secrets", random.Random(20261127)):
        deals = [build(spec, config) for spec in DEALS]
    for deal in deals:
        check(deal, config)
    task_ids = [t["id"] for deal in deals for t in deal.tasks]
    assert len(task_ids) == len(set(task_ids)), "a task id drawn twice"
    for old in workspace.deals_dir.glob("*.md"):
        old.unlink()
    for deal in deals:
        workspace.create(deal)  # refuses a deal id made twice
    print(f"wrote pipelines.yaml and {len(deals)} deals to {workspace.deals_dir}")


def ship_demo(root):
    """Copy the sample into the package, where `pipe init --demo` reads it (tests/test_demo.py compares)."""
    demo = ROOT / "pipecli" / "demo"
    for old in (demo / "deals").glob("*.md"):
        old.unlink()
    (demo / "deals").mkdir(parents=True, exist_ok=True)
    for path in [root / "pipelines.yaml", *sorted((root / "deals").glob("*.md"))]:
        write_atomic(demo / path.relative_to(root), path.read_bytes())
    print(f"copied them to {demo}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    if len(sys.argv) == 1:
        ship_demo(ROOT)

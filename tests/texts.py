"""The bot's Danish words that the end-to-end tests wait for, in one place.

When a text in content/ changes, change its fragment here (the comment names the
template), and the tests follow."""

from __future__ import annotations

from typing import Final

GREETING: Final = "Hvem er du?"  # start/choosing_audience
MENU: Final = "Hvad kan jeg hjælpe dig med?"  # start/at_menu, the young people's menu
AS_CHILD: Final = "Jeg er 10–12 år"  # start/choosing_audience buttons
AS_TEEN: Final = "Jeg er 13–15 år"
AS_YOUTH: Final = "Jeg er 16–19 år"
AS_PARENT: Final = "Jeg er forælder"
AS_PROFESSIONAL: Final = "Jeg arbejder med børn og unge"
BUTTON_REPORT: Final = "Fortæl SSP, hvad der er sket"  # start/at_menu buttons
BUTTON_REPORT_CHILD: Final = "Fortæl om noget, der er sket"
BUTTON_FOLLOW: Final = "Følg min sag"
BUTTON_IMAGES: Final = "Råd om billeder, pres og mere"
BUTTON_IMAGES_CHILD: Final = "Råd om billeder og mere"
BUTTON_PARENTS: Final = "Råd om dit barns liv på nettet"
BUTTON_CONSULTANT: Final = "Tal med en SSP-konsulent"
BUTTON_CONSULTANT_CHILD: Final = "Skriv med en voksen fra SSP"
BUTTON_CONSULTANT_PROFESSIONAL: Final = "Kontakt en SSP-konsulent"
BUTTON_CHANGE_AUDIENCE: Final = "Vælg igen, hvem du er"
BUTTON_MENU: Final = "Til menuen"  # general/buttons
IMAGES_CHOOSING: Final = "Hvad passer bedst på dig lige nu?"  # images/choosing_situation
WELCOME: Final = "SSP Ballerups chatbot"  # start/welcome
HELP: Final = "Brug for hjælp nu?"  # general/help
PRIVACY: Final = "Hvad gemmer vi?"  # general/privacy
PRIVACY_TELEGRAM: Final = "Telegram ved, at din konto har skrevet med os"  # general/privacy
COMMAND_HELP: Final = "Hjælp og telefonnumre"  # general/commands: hjaelp
MEDIA_NOT_STORED: Final = "Jeg gemmer ikke billeder"  # general/media_not_stored
UNSUPPORTED: Final = "Det kan jeg ikke læse"  # general/unsupported
USE_BUTTONS: Final = "Her skal du trykke på en af knapperne"  # general/use_buttons
UNKNOWN_COMMAND: Final = "Den kommando kender jeg ikke"  # general/unknown_command
STALE_BUTTON: Final = "Den knap er for gammel"  # general/stale_button
PRIVATE_ONLY: Final = "Jeg taler kun med én ad gangen"  # general/private_only
FORGOTTEN: Final = "Nu har jeg slettet vores samtale"  # general/forgotten
INTRO_OPEN: Final = "kan ikke se dit navn eller din profil"  # consultant/intro_open
BUTTON_START_CHAT: Final = "Skriv til en konsulent"  # consultant/intro_open button
FIRST_MESSAGE: Final = "Skriv ikke fulde navne"  # consultant/awaiting_first_message
BUTTON_SKIP: Final = "Spring over"
QUEUE_FIRST: Final = "Du er nummer 1 i køen"  # consultant/waiting
INTRO_CLOSED: Final = "er ikke på arbejde lige nu"  # consultant/intro_closed
BUTTON_LEAVE_MESSAGE: Final = "Skriv en besked"  # consultant/intro_closed button
WAITING_CLOSED: Final = "En konsulent svarer dig, når de er tilbage"  # consultant/waiting
ENDED_BY_CONSULTANT: Final = "Chatten med SSP er slut"  # consultant/closed_by_consultant
ENDED_BY_YOU: Final = "Du har lukket chatten"  # consultant/ended_by_you
FEEDBACK: Final = "Hjalp det at skrive med os?"  # consultant/asking_feedback
THANKS: Final = "Tak for dit svar"  # consultant/thanks
TOPIC_FIRST: Final = "Sag 1 · 13–15 år · samtale"  # desk/topic_name
CLAIM: Final = "Tag sagen"  # general/buttons: claim
CLOSE: Final = "Luk sagen"  # general/buttons: close_case
SUMMARY_FIRST_MESSAGE: Final = "Første besked"  # desk/summary
SUMMARY_NO_FIRST_MESSAGE: Final = "Personen skrev ingen første besked"  # desk/summary
SUMMARY_OUT_OF_HOURS: Final = "Oprettet uden for åbningstid"  # desk/summary
CHOOSE_OUTCOME: Final = "Hvordan gik sagen?"  # desk/choose_outcome
CASE_GONE: Final = "Sagen er lukket"  # desk/case_gone
STAFF_FAILED: Final = "der skete en fejl i botten"  # desk/not_sent
OUTCOME_ADVICE: Final = "Råd givet"  # general/buttons: outcomes
OUTCOME_PARENTS: Final = "Forældre inddraget"
OUTCOME_MEDIATION: Final = "Mægling"
OUTCOME_POLICE: Final = "Henvist til politi"
OUTCOME_HELPLINES: Final = "Henvist til en hjælpelinje"
PERSON_ENDED: Final = "Personen er gået ud af chatten"  # desk/choose_outcome
NOT_CONNECTED: Final = "Ikke sendt: personen er ikke længere forbundet"  # desk/not_delivered
MEDIA_WITHHELD: Final = "Personen sendte et billede"  # desk/media_withheld
PERSON_BLOCKED: Final = "Personen har blokeret botten"  # desk/person_blocked
NOT_ALLOWED: Final = "Kun SSP's konsulenter kan bruge denne knap."  # desk/not_allowed
OPEN_CASES: Final = "Åbne sager"  # desk/cases
CANNED_SNAPCHAT: Final = "Vælg »Rapportér«"  # canned/snapchat
CANNED_SENT: Final = "Sendt: færdigt svar »snapchat«"  # desk/canned_sent
BUTTON_ACTION_CARD: Final = "Handlekort til en sag"  # professional menu
CLAIMED: Final = "har taget din sag"  # consultant/in_chat: "<name> fra SSP har taget din sag"
# desk/claim_refused
CLAIM_REFUSED: Final = "Jonas har allerede taget sagen. Tak, fordi du ville hjælpe."
CLOSED_BY: Final = "Mette har lukket sagen (Råd givet)"  # desk/closed
FROM_CONSULTANT: Final = "Mette fra SSP:\n"  # consultant/from_consultant, before the text
FROM_PERSON: Final = "Den unge:"  # desk/from_person, before the text
CASES_LINE: Final = "Sag 1 · 13–15 år · samtale · venter i 0 min."  # desk/cases
BUTTON_HELP_LINES: Final = "Hjælp hele døgnet"  # general/buttons: help_lines
BUTTON_PRIVACY: Final = "Hvad gemmer I om mig?"  # general/buttons: privacy
# The young people's advice, the report and the adults' paths (tests/test_images.py,
# tests/test_report.py, tests/test_adults.py)
BUTTON_NEXT: Final = "Næste"  # general/buttons: next
BUTTON_HIDE: Final = "Skjul alt"  # general/buttons: hide
BUTTON_BACK: Final = "Tilbage"  # general/buttons: back
BUTTON_CANCEL: Final = "Afbryd"  # general/buttons: cancel
REPORT_ASKS: Final = "Hvad er der sket?"  # report/choosing_category
REPORT_BULLYING: Final = "Mobning eller holdt udenfor"  # report/choosing_category button
REPORT_DANGER: Final = "i fare lige nu?"  # report/asking_danger
REPORT_DANGER_NOW: Final = "Ring 112 nu."  # report/danger_now
BUTTON_CONTINUE: Final = "Gå videre"  # report/danger_now button
REPORT_WORDS: Final = "Fortæl med dine egne ord"  # report/awaiting_description
REPORT_SUMMARY: Final = "Det sender du til SSP"  # report/reviewing
BUTTON_SEND: Final = "Send til SSP"  # report/reviewing button
REPORT_CODE: Final = "Din kode er:"  # report/sent
FOLLOW_UP: Final = "skrive til dig her?"  # report/asking_follow_up
FOLLOW_UP_DECLINED: Final = "Vi har ikke gemt noget, der forbinder dig med sagen"
STATUS_RECEIVED: Final = "SSP har fået den"  # report/status
STATUS_IN_PROGRESS: Final = "SSP er i gang med den"  # report/status
CODE_UNKNOWN: Final = "kan ikke finde en sag"  # report/code_unknown
LOOKUPS_LIMITED: Final = "Du har prøvet mange koder"  # report/lookups_limited
AWAITING_CODE: Final = "Skriv den kode"  # start/awaiting_code
HIDDEN: Final = "Skriv /start for at gå i gang."  # start/hidden, all of it
BUTTON_FIND_MORE: Final = "Flere råd"  # images/finished
PARENT_MENU: Final = "Hvad vil du gerne vide mere om?"  # parent/start/at_menu
PARENT_AGE: Final = "Hvor gammel er dit barn?"  # parents/asking_child_age
PARENT_HAPPENED: Final = "Når noget er sket"  # parents/at_parent_menu button
PROFESSIONAL_MENU: Final = "Hvad har du brug for?"  # professional/start/at_menu
CARD_FIRST: Final = "1. Er barnet i fare lige nu?"  # action_card/asking_danger
BUTTON_CARD_NEXT: Final = "Gjort – næste trin"  # general/buttons: done_next
CARD_SUMMARY: Final = "Handlekort – resumé"  # action_card/summary
# The first words of each situation's first page, per age (images/...)
IMAGES_FIRST_WORDS: Final = {
    "considering": {"child": "Send aldrig et nøgenbillede", "teen": "Samtykke betyder",
                    "youth": "Samtykke betyder"},
    "mine_shared": {"child": "Det er ikke din skyld.", "teen": "Det er ikke din skyld.",
                    "youth": "Det er ikke din skyld."},
    "fake": {"child": "Det er ikke din skyld.", "teen": "Et falsk billede er også en krænkelse.",
             "youth": "Et falsk billede er også en krænkelse."},
    "pressured": {"child": "Send ikke noget.", "teen": "Send ikke flere billeder, og betal ikke.",
                  "youth": "Send ikke flere billeder, og betal ikke."},
    "grooming": {"teen": "Når en voksen kommer for tæt på",
                 "youth": "Når en voksen kommer for tæt på"},
    "received": {"child": "Vis det ikke til nogen.", "teen": "Vis det ikke til nogen.",
                 "youth": "Vis det ikke til nogen."},
    "i_shared": {"child": "Godt, at du vil gøre det godt igen.",
                 "teen": "Godt, at du vil gøre det godt igen.",
                 "youth": "Godt, at du vil gøre det godt igen."},
    "hard_thoughts": {"child": "Godt, at du siger det.", "teen": "Godt, at du siger det.",
                      "youth": "Godt, at du siger det."},
    "consent": {"child": "Spørgsmål 1", "teen": "Spørgsmål 1", "youth": "Spørgsmål 1"},
}
BUTTON_END: Final = "Afslut chat"  # consultant/in_chat and consultant/waiting button
REPORT_CONNECTED: Final = "Personen vil gerne skrive med en konsulent"  # desk/report_connected
OFFER_RESUME: Final = "Vil du fortsætte den her?"  # consultant/offered_resume
BUTTON_RESUME: Final = "Ja, fortsæt her"
PERSON_BACK: Final = "Personen har brugt sin kode"  # desk/person_back
SEND_FAILED: Final = "kunne ikke sendes"  # desk/send_failed
TAKE_OVER_OFFER: Final = "vil du overtage den"  # desk/take_over
TAKE_OVER: Final = "Overtag sagen"  # general/buttons: take_over
TAKEN_OVER: Final = "har overtaget sagen"  # desk/taken_over
CASE_CLOSED_ALREADY: Final = "er lukket, og forbindelsen"  # desk/case_closed_already
NOT_SENT_CHECK: Final = "Telegram svarede ikke, da jeg ville tjekke"  # desk/not_sent
FAILED: Final = "noget gik galt hos mig"  # general/error

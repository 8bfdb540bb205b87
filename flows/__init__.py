"""The functional core: conversation flows declared as data, stepped by a pure function."""

from flows import action_card, consultant, images, parents, report
from flows.commands import COMMANDS, NOTES
from flows.engine import Flows
from flows.start import FLOW as START_FLOW


def build_flows() -> Flows:
    """Every flow of the bot, with the start flow first."""
    return Flows(
        [START_FLOW, consultant.FLOW, report.FLOW, images.FLOW, parents.FLOW,
         action_card.FLOW],
        start=START_FLOW.name,
        commands={**COMMANDS, "afslut": consultant.end_command, "konsulent": consultant.detour},
        notes=(*NOTES, *consultant.NOTES, *report.NOTES, *action_card.NOTES),
        desk_events=consultant.DESK_EVENTS,
        detour=consultant.detour,
    )

"""Every flow and command of the bot, collected from the feature modules."""

from __future__ import annotations

from types import ModuleType

from bot.flows import (
    claims,
    common,
    dispute,
    dispute_answer,
    dispute_decide,
    dispute_texts,
    disputes_list,
    find,
    funds,
    history,
    info_answer,
    info_ask,
    info_texts,
    order,
    order_notices,
    orders,
    pay,
    preferences,
    privacy,
    profile,
    reminder_texts,
    ship,
    supplier_registration,
    team,
)
from bot.flows.base import Command, Ctx, Flow
from bot.flows.engine import Engine

# Feature modules, in the order their commands appear in /help and the command menu.
MODULES: list[ModuleType] = [common, profile, preferences]
MODULES += [find, order, pay, orders, ship, supplier_registration, reminder_texts]  # orders
MODULES += [order_notices]
MODULES += [
    dispute,
    dispute_decide,
    dispute_answer,
    history,
    disputes_list,
    team,
    funds,
    info_ask,
    info_answer,
    dispute_texts,
    info_texts,
]  # disputes
MODULES += [claims]  # who speaks for a supplier
MODULES += [privacy]  # /delete_me last: the least used, the most final


def all_flows() -> dict[str, Flow]:
    return {flow.name: flow for module in MODULES for flow in getattr(module, "FLOWS", [])}


def all_commands() -> dict[str, Command]:
    return {c.name: c for module in MODULES for c in getattr(module, "COMMANDS", [])}


def commands_for(ctx: Ctx) -> list[Command]:
    roles = {"buyer"} | ({"team"} if ctx.is_team else set())
    return [c for c in all_commands().values() if c.menu and roles & c.roles]


def build_engine() -> Engine:
    return Engine(all_flows(), all_commands())

"""The CDS Hooks 2.0 objects Curbside reads and returns (https://cds-hooks.hl7.org/2.0/)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Indicator = Literal["info", "warning", "critical"]


class ServiceDescriptor(BaseModel):
    """One entry of the discovery response."""

    hook: str = Field(description="The hook this service answers, e.g. 'patient-view'.")
    id: str = Field(description="The service id, the last part of its URL.")
    title: str = Field(description="Human-friendly name of the service.")
    description: str = Field(description="What the service does.")
    prefetch: dict[str, str] = Field(
        default_factory=dict, description="FHIR queries the EHR should run before calling."
    )


class Discovery(BaseModel):
    services: list[ServiceDescriptor] = Field(description="The services this server offers.")


class HookRequest(BaseModel):
    """A call from the EHR. Only the fields Curbside uses are declared; others are kept."""

    model_config = ConfigDict(extra="allow")

    hook: str = Field(description="The hook that fired.")
    hookInstance: str = Field(description="A UUID for this call.")
    context: dict[str, Any] = Field(description="Hook context: userId, patientId, orders...")
    prefetch: dict[str, Any] | None = Field(
        default=None, description="Results of the prefetch templates, keyed as in discovery."
    )


class Source(BaseModel):
    label: str = Field(description="Short name of the source shown on the card.")
    url: str | None = Field(default=None, description="Where the source can be read.")


class Link(BaseModel):
    label: str = Field(description="Text of the link.")
    url: str = Field(description="Absolute URL.")
    type: Literal["absolute", "smart"] = Field(description="Link kind per CDS Hooks.")


class Card(BaseModel):
    """A CDS Hooks card."""

    uuid: str = Field(description="Identifier of this card, for feedback.")
    summary: str = Field(max_length=139, description="One line, under 140 characters.")
    detail: str | None = Field(default=None, description="GitHub-flavoured Markdown detail.")
    indicator: Indicator = Field(description="Urgency: info, warning or critical.")
    source: Source = Field(description="Where the advice comes from.")
    links: list[Link] = Field(default_factory=list, description="Links for more information.")


class HookResponse(BaseModel):
    cards: list[Card] = Field(description="Cards to show; empty when there is nothing to say.")

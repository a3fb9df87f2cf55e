"""Faults a test can switch on per shop, to see how a client copes with a bad day at Shopify."""

from __future__ import annotations

import random

from pydantic import BaseModel, Field


class Faults(BaseModel):
    """Rates are probabilities from 0 to 1; delays are seconds."""

    error_rate: float = Field(0.0, ge=0, le=1, description="share of API calls answered 5xx")
    latency: float = Field(0.0, ge=0, le=30, description="added to every API call")
    latency_spike_rate: float = Field(0.0, ge=0, le=1)
    latency_spike: float = Field(0.0, ge=0, le=30)
    reset_rate: float = Field(
        0.0, ge=0, le=1, description="share of calls whose connection drops before they run"
    )
    lost_response_rate: float = Field(
        0.0, ge=0, le=1, description="share of calls that run, then lose their response"
    )
    force_throttle: bool = Field(False, description="answer every query THROTTLED")
    search_lag: float = Field(0.0, ge=0, le=600, description="seconds before search sees a write")
    webhook_drop_rate: float = Field(0.0, ge=0, le=1)
    webhook_duplicate_rate: float = Field(0.0, ge=0, le=1)
    webhook_reorder_rate: float = Field(0.0, ge=0, le=1)
    webhook_delay: float = Field(0.0, ge=0, le=600, description="seconds before each delivery")

    model_config = {"extra": "forbid", "validate_assignment": True}

    def roll(self, rate: float, rng: random.Random) -> bool:
        return rate > 0 and rng.random() < rate

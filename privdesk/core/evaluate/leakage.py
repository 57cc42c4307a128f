"""Model leakage: canary exposure, membership inference, PII extraction. Works with any causal LM.

Canary exposure (Carlini et al., "The Secret Sharer", USENIX Security 2019): a canary is a format
with random digits ("My SSN is ###-##-####") planted in training. Rank the planted secret among all
|R| secrets the format allows by the model's log-perplexity; exposure = log2|R| - log2 rank. An
unmemorised canary ranks anywhere (expected exposure about 1.4 bits); a memorised one ranks first
(exposure log2|R|, the maximum). Small spaces are enumerated (exact rank); large ones are estimated
by fitting a skew-normal distribution to the log-perplexities of a random sample of candidates and
reading the canary's tail probability: exposure ~= -log2 P(X <= canary's log-perplexity). Where that
fit fails or comes out degenerate (a barely trained model can score every candidate alike), the
canary is ranked within the sample itself instead, which cannot show more than log2(sample + 1) bits;
the result says so in its method and notes.

Membership inference (Yeom et al., CSF 2018, the loss-threshold attack): a record whose loss is
low was probably trained on. The ROC of that score over training members and held-out
non-members gives AUC, TPR at low FPR (what matters for privacy, Carlini et al. 2022) and the
attacker's advantage max(TPR - FPR).

PII extraction (Lukas et al., IEEE S&P 2023): sample generations from the model, find PII strings
in them, and count precision (of the PII strings generated, the share that was in the training
data) and recall (of the training PII, the share that was generated verbatim). Generations are
sensitive: they are never kept in the results, only counts, unless the caller asks for examples.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from privdesk.core.evaluate.scoring import token_losses
from privdesk.core.evaluate.value_search import DEFAULT_MIN_LENGTH, ValueMatcher
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker

CANARY_PLACEHOLDER = "#"
DIGITS = "0123456789"
DEFAULT_EXACT_LIMIT = 20_000  # candidate spaces up to this size are enumerated
DEFAULT_SAMPLE_SIZE = 2_000  # candidates scored for the skew-normal fit of larger spaces
SAMPLED_RANK_METHOD = "sampled rank: skew-normal fit failed"  # shown as the method in reports and charts
FPR_LEVELS: tuple[float, ...] = (0.01, 0.001)

# ---- canary exposure ------------------------------------------------------------------------------------


def render_canary(canary_format: str, secret: str, placeholder: str = CANARY_PLACEHOLDER) -> str:
    """The canary text: each placeholder in the format replaced by the next character of the secret."""
    if len(secret) != canary_format.count(placeholder):
        raise ValueError(f"the format has {canary_format.count(placeholder)} placeholders, the secret "
                         f"{len(secret)} characters")
    characters = iter(secret)
    return "".join(next(characters) if char == placeholder else char for char in canary_format)


def exposure_from_rank(rank: float, space: int) -> float:
    """log2|R| - log2 rank (rank 1 is the most likely candidate)."""
    if not 1 <= rank <= space:
        raise ValueError(f"rank {rank} is outside 1..{space}")
    return math.log2(space) - math.log2(rank)


def exact_ranks(canary_scores: Sequence[float], candidate_scores: Sequence[float]) -> np.ndarray:
    """Rank of each canary among all candidates (the whole space, canaries included): 1 + how many score lower."""
    ordered = np.sort(np.asarray(candidate_scores, dtype=np.float64))
    return 1 + np.searchsorted(ordered, np.asarray(canary_scores, dtype=np.float64), side="left")


class SkewNormalFitError(ValueError):
    """The skew-normal fit of the sampled candidates failed or gave no usable distribution."""


def skewnorm_exposures(canary_scores: Sequence[float], sample_scores: Sequence[float], space: int) -> np.ndarray:
    """Exposure of each canary from a skew-normal fitted to a sample of candidate log-perplexities.

    exposure = -log2 CDF(canary score), kept within [0, log2|R|]: a rank below 1 is not possible.
    Raises SkewNormalFitError when the sample cannot be fitted: too few finite scores, all scores equal,
    scipy's FitError, or parameters or tail probabilities that are not numbers.
    """
    import warnings

    from scipy.stats import FitError, skewnorm

    sample = np.asarray(sample_scores, dtype=np.float64)
    sample = sample[np.isfinite(sample)]
    if sample.size < 10:
        raise SkewNormalFitError(f"the skew-normal fit needs at least 10 scored candidates ({sample.size} had a "
                                 "finite score)")
    centre, scale = float(sample.mean()), float(sample.std())
    if not scale > 0:
        raise SkewNormalFitError("every sampled candidate has the same log-perplexity")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # scipy warns on the way to the FitError it raises
            # Fitting standardised values keeps scipy's optimiser in its comfortable range.
            shape, loc, spread = skewnorm.fit((sample - centre) / scale)
            standardised = (np.asarray(canary_scores, dtype=np.float64) - centre) / scale
            log_cdf = np.asarray(skewnorm.logcdf(standardised, shape, loc, spread), dtype=np.float64)
    except (FitError, FloatingPointError, RuntimeError, ValueError) as error:
        raise SkewNormalFitError(f"scipy could not fit a skew-normal ({type(error).__name__})") from error
    if not (math.isfinite(shape) and math.isfinite(loc) and math.isfinite(spread) and spread > 0):
        raise SkewNormalFitError("the fitted skew-normal is degenerate (its parameters are not finite numbers)")
    if np.isnan(log_cdf).any():  # -inf is fine: a canary far beyond every candidate, capped at log2|R| below
        raise SkewNormalFitError("the fitted skew-normal gives no tail probability for a canary")
    bits = -log_cdf / math.log(2)
    return np.clip(bits, 0.0, math.log2(space))


def sampled_rank_exposures(canary_scores: Sequence[float], sample_scores: Sequence[float],
                           space: int) -> np.ndarray:
    """Exposure of each canary from its rank within a uniform sample of candidates, with no fitted model.

    The share of the space scoring below the canary is estimated as (k + 1) / (n + 1), k counting the
    sampled candidates that score lower (ties count half, so a model that scores every candidate alike
    shows about 1 bit, not the maximum). The +1 keeps the estimate above zero: a sampled rank cannot
    show more than log2(n + 1) bits. NaN for a canary without a finite score, or when no candidate has one.
    """
    sample = np.sort(np.asarray(sample_scores, dtype=np.float64))
    sample = sample[np.isfinite(sample)]
    canaries = np.asarray(canary_scores, dtype=np.float64)
    if sample.size == 0:
        return np.full(canaries.shape, math.nan)
    lower = np.searchsorted(sample, canaries, side="left")
    tied = np.searchsorted(sample, canaries, side="right") - lower
    share = (lower + tied / 2 + 1) / (sample.size + 1)
    bits = np.clip(-np.log2(share), 0.0, math.log2(space))
    return np.where(np.isfinite(canaries), bits, math.nan)


@dataclass(frozen=True)
class CanaryExposure:
    """One canary, named by its position in the run's canary list, never by its secret."""

    index: int
    exposure: float
    rank: float  # exact rank, or the rank the skew-normal fit implies
    log_perplexity: float  # total NLL of the canary text, in bits


@dataclass
class ExposureResult:
    canaries: list[CanaryExposure]
    candidate_space: int
    method: str  # "exact", "skew-normal", or SAMPLED_RANK_METHOD when the skew-normal fit failed
    candidates_scored: int
    repeats: int | None = None  # how often each canary was planted, when known
    notes: list[str] = field(default_factory=list)  # why the method fell back, and what that limits

    @property
    def max_exposure(self) -> float:
        return math.log2(self.candidate_space)

    @property
    def mean_exposure(self) -> float:
        measured = [c.exposure for c in self.canaries if not math.isnan(c.exposure)]
        return float(np.mean(measured)) if measured else math.nan

    @property
    def highest_exposure(self) -> float:
        measured = [c.exposure for c in self.canaries if not math.isnan(c.exposure)]
        return max(measured, default=math.nan)

    def to_dict(self) -> dict[str, Any]:
        return {"candidate_space": self.candidate_space, "max_exposure": self.max_exposure, "method": self.method,
                "candidates_scored": self.candidates_scored, "repeats": self.repeats,
                "mean_exposure": self.mean_exposure, "highest_exposure": self.highest_exposure,
                "canaries": [{"index": c.index, "exposure": c.exposure, "rank": c.rank} for c in self.canaries],
                "notes": list(self.notes)}


def _candidate_secrets(alphabet: str, digits: int, space: int, exact_limit: int, sample_size: int,
                       seed: int) -> tuple[list[str], bool]:
    if space <= exact_limit:
        return ["".join(chars) for chars in itertools.product(alphabet, repeat=digits)], True
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(alphabet), size=(sample_size, digits))
    return ["".join(alphabet[i] for i in row) for row in picks], False


def canary_exposure(model: Any, tokenizer: Any, canary_format: str, secrets: Sequence[str], *,
                    alphabet: str = DIGITS, placeholder: str = CANARY_PLACEHOLDER,
                    exact_limit: int = DEFAULT_EXACT_LIMIT, sample_size: int = DEFAULT_SAMPLE_SIZE, seed: int = 0,
                    batch_size: int = 64, max_length: int = 128, repeats: int | None = None,
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> ExposureResult:
    """Exposure of each planted secret under `model` (see the module docstring).

    The candidate space is every string of `alphabet` characters filling the format's placeholders.
    It is enumerated when it has at most `exact_limit` members, else `sample_size` random candidates
    are scored for the skew-normal fit.
    """
    digits = canary_format.count(placeholder)
    if digits == 0:
        raise ValueError("the canary format has no placeholder")
    space = len(alphabet) ** digits
    candidates, exact = _candidate_secrets(alphabet, digits, space, exact_limit, sample_size, seed)
    texts = [render_canary(canary_format, secret, placeholder) for secret in (*secrets, *candidates)]
    losses = token_losses(model, tokenizer, texts, batch_size=batch_size, max_length=max_length,
                          progress=progress, cancel=cancel)
    bits = losses.sums / math.log(2)  # log-perplexity of the whole text, in bits
    canary_bits, candidate_bits = bits[:len(secrets)], bits[len(secrets):]
    notes: list[str] = []
    if exact:
        ranks = exact_ranks(canary_bits, candidate_bits).astype(np.float64)
        exposures = np.array([exposure_from_rank(rank, space) for rank in ranks])
        method = "exact"
    else:
        try:
            exposures = skewnorm_exposures(canary_bits, candidate_bits, space)
            method = "skew-normal"
        except SkewNormalFitError as failure:
            exposures = sampled_rank_exposures(canary_bits, candidate_bits, space)
            method = SAMPLED_RANK_METHOD
            measurable = min(math.log2(len(candidates) + 1), math.log2(space))
            notes.append(f"Canary exposure: the skew-normal fit failed ({failure}); each canary was ranked within "
                         f"the {len(candidates):,} sampled candidates instead, which shows at most "
                         f"{measurable:.1f} bits: a canary at that value may be more exposed than shown.")
            if np.isnan(exposures).any():
                notes.append("Canary exposure: not measured for canaries without a finite log-perplexity.")
        ranks = np.exp2(math.log2(space) - exposures)
    return ExposureResult(
        canaries=[CanaryExposure(index, float(exposures[index]), float(ranks[index]), float(canary_bits[index]))
                  for index in range(len(secrets))],
        candidate_space=space, method=method, candidates_scored=len(candidates), repeats=repeats, notes=notes)


# ---- membership inference ---------------------------------------------------------------------------------


def roc_curve(member_scores: Sequence[float], nonmember_scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(FPR, TPR, thresholds) of the rule "member when score >= threshold", from (0, 0) to (1, 1).

    Tied scores move together, so the curve has one point per distinct score.
    """
    members = np.asarray(member_scores, dtype=np.float64)
    nonmembers = np.asarray(nonmember_scores, dtype=np.float64)
    if members.size == 0 or nonmembers.size == 0:
        raise ValueError("membership inference needs at least one member and one non-member")
    scores = np.concatenate([members, nonmembers])
    labels = np.concatenate([np.ones(members.size), np.zeros(nonmembers.size)])
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    last_of_each = np.r_[np.nonzero(np.diff(scores))[0], scores.size - 1]
    true_positives = np.cumsum(labels)[last_of_each]
    false_positives = (last_of_each + 1) - true_positives
    tpr = np.r_[0.0, true_positives / members.size]
    fpr = np.r_[0.0, false_positives / nonmembers.size]
    thresholds = np.r_[np.inf, scores[last_of_each]]
    return fpr, tpr, thresholds


@dataclass
class MembershipResult:
    fpr: np.ndarray
    tpr: np.ndarray
    auc: float
    advantage: float  # max(TPR - FPR): Yeom et al.'s membership advantage
    tpr_at_fpr: dict[float, float]
    members: int
    non_members: int
    dropped: int = 0  # texts without a scored token

    @property
    def lowest_measurable_fpr(self) -> float:
        """1 / non-members: a TPR at an FPR below this rests on no false positive at all."""
        return 1.0 / self.non_members

    def to_dict(self) -> dict[str, Any]:
        return {"auc": self.auc, "advantage": self.advantage,
                "tpr_at_fpr": {str(level): value for level, value in self.tpr_at_fpr.items()},
                "members": self.members, "non_members": self.non_members, "dropped": self.dropped,
                "lowest_measurable_fpr": self.lowest_measurable_fpr}


def membership_inference(member_losses: Sequence[float], nonmember_losses: Sequence[float], *,
                         fpr_levels: Sequence[float] = FPR_LEVELS) -> MembershipResult:
    """The loss-threshold attack: lower loss means member. NaN losses are dropped (and counted)."""
    members = np.asarray(member_losses, dtype=np.float64)
    nonmembers = np.asarray(nonmember_losses, dtype=np.float64)
    dropped = int((~np.isfinite(members)).sum() + (~np.isfinite(nonmembers)).sum())
    members, nonmembers = members[np.isfinite(members)], nonmembers[np.isfinite(nonmembers)]
    fpr, tpr, _ = roc_curve(-members, -nonmembers)
    auc = float(np.trapezoid(tpr, fpr))
    tpr_at = {float(level): float(tpr[fpr <= level + 1e-12].max()) for level in fpr_levels}
    return MembershipResult(fpr, tpr, auc, float(np.max(tpr - fpr)), tpr_at, int(members.size),
                            int(nonmembers.size), dropped)


# ---- PII extraction ---------------------------------------------------------------------------------------


def sample_generations(model: Any, tokenizer: Any, count: int, *, prompts: Sequence[str] = (),
                       prompt_tokens: int = 4, max_new_tokens: int = 48, batch_size: int = 16, top_k: int = 40,
                       temperature: float = 1.0, seed: int = 0, progress: ProgressCallback | None = None,
                       cancel: CancelToken | None = None) -> list[str]:
    """`count` continuations sampled from the model (top-k sampling); only the generated text is returned.

    Without prompts each sample starts from the start (or end-of-text) token. A model fine-tuned on
    records that never began with that token has seldom learnt what follows it, so prompts help:
    the first `prompt_tokens` tokens of each prompt, used in turn (the held-out records, say, which
    were not trained on). The result is sensitive (it may reproduce training data): keep it in
    memory, never in logs.
    """
    import torch

    start_id = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if prompts:
        encoded = tokenizer(list(prompts), add_special_tokens=True)["input_ids"]
        prefixes = [list(ids[:prompt_tokens]) for ids in encoded if ids]
    else:
        prefixes = [[start_id]] if start_id is not None else []
    if not prefixes:
        raise ValueError("the tokenizer has neither a start nor an end token, and no prompt was given")
    tracker = ProgressTracker(progress, count)
    texts: list[str] = []
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(seed)
            while len(texts) < count:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                rows = min(batch_size, count - len(texts))
                batch = [prefixes[(len(texts) + row) % len(prefixes)] for row in range(rows)]
                width = max(map(len, batch))
                # Left padding: every row's last prompt token sits where generation starts.
                input_ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in batch], dtype=torch.long)
                attention = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in batch], dtype=torch.long)
                output = model.generate(input_ids=input_ids, attention_mask=attention, do_sample=True, top_k=top_k,
                                        temperature=temperature, max_new_tokens=max_new_tokens, pad_token_id=pad_id)
                texts.extend(tokenizer.batch_decode(output[:, width:], skip_special_tokens=True))
                tracker.advance(rows, "sampling")
    finally:
        model.train(was_training)
    return texts


PiiFinder = Callable[[Sequence[str]], list[list[tuple[str, str]]]]
"""Finds PII in texts: for each text, (value, entity type) pairs."""


@dataclass
class ExtractionResult:
    """Counts only; `extracted_values` holds the extracted training values when the caller opted in."""

    generations: int
    training_pii: int  # distinct PII values in the training data
    extracted: int  # of those, how many some generation reproduces verbatim
    extracted_by_type: dict[str, int]
    generated_pii: int | None  # distinct PII strings a finder flags in the generations (None: no finder)
    generated_from_training: int | None  # of those, how many are training PII values
    extracted_values: list[str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.extracted / self.training_pii if self.training_pii else math.nan

    @property
    def precision(self) -> float:
        if not self.generated_pii or self.generated_from_training is None:
            return math.nan
        return self.generated_from_training / self.generated_pii

    def to_dict(self) -> dict[str, Any]:
        data = {"generations": self.generations, "training_pii": self.training_pii, "extracted": self.extracted,
                "recall": self.recall, "extracted_by_type": dict(self.extracted_by_type),
                "generated_pii": self.generated_pii, "generated_from_training": self.generated_from_training,
                "precision": self.precision, "notes": list(self.notes)}
        if self.extracted_values is not None:
            data["extracted_values"] = list(self.extracted_values)
        return data


def pii_extraction(generations: Sequence[str], training_pii: Mapping[str, Iterable[str]], *,
                   find_pii: PiiFinder | None = None, include_values: bool = False,
                   min_length: int = DEFAULT_MIN_LENGTH) -> ExtractionResult:
    """Precision and recall of PII extraction from `generations` (see the module docstring).

    `training_pii` maps each PII value of the training data to its entity types. Recall counts
    training values that occur verbatim, as whole tokens, in some generation; precision needs
    `find_pii` to say which strings in the generations are PII at all.
    """
    matcher = ValueMatcher(training_pii, min_length=min_length)
    extracted = matcher.found_in(generations)
    by_type: Counter[str] = Counter()
    for value in extracted:
        for entity in training_pii[value]:
            by_type[entity] += 1
    generated_pii = from_training = None
    if find_pii is not None:
        found = {value for per_text in find_pii(generations) for value, _ in per_text if value.strip()}
        generated_pii = len(found)
        from_training = len(found & matcher.values)
    notes = []
    if matcher.too_short:
        notes.append(f"{matcher.too_short:,} training value(s) shorter than {min_length} characters were not searched for.")
    return ExtractionResult(len(generations), len(matcher), len(extracted), dict(sorted(by_type.items())),
                            generated_pii, from_training, sorted(extracted) if include_values else None, notes)

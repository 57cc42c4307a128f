"""Word lists: tokens that are never PII on their own, and titles that precede a name.

spaCy's small model tags form labels and clinical abbreviations ("DOB", "SSN", "MRN", "ICU")
as ORGANIZATION or PERSON; these lists let the engine drop or trim such spans. They hold
vocabulary of the domains PrivDesk is used in (clinical notes, support tickets, bank memos,
chat logs), not values from any particular data set.
"""

from __future__ import annotations

import regex as re

# Case-insensitive; a NER span whose whole text is one of these is dropped, and one that starts or
# ends with one of these has it trimmed off ("Patient John Smith" -> "John Smith").
NEVER_ENTITY_WORDS: frozenset[str] = frozenset(
    w.lower()
    for w in """
    DOB D.O.B. SSN SIN NIN NINO MRN MR# EMR EHR PHI PII ID IDs UID PIN OTP CVV CVC IBAN BIC SWIFT NPI DEA DL
    Patient Pt Pts Client Customer Cust Caller Member User Agent Admin Staff Employee Applicant Account Acct
    Dear Hi Hello Hey Thanks Thank Regards Sincerely Cheers Best Greetings Subject Re Fwd Fw Cc Bcc Attn
    Mr Mrs Ms Miss Mx Dr Prof Sir Madam Rev Hon Mr. Mrs. Ms. Dr. Prof. Rev. Hon.
    Name Names Date Dates Age Sex Gender Male Female Address Addr Phone Tel Telephone Mobile Cell Fax Email E-mail
    Zip ZIP Postcode Postal Contact Signed Signature Note Notes Ticket Case Order Invoice Ref Reference Policy Claim
    Hx Dx Rx Sx Tx Fx Px HPI PMH PSH ROS CC A&P Assessment Plan Impression History Diagnosis Allergies Meds
    Medications Vitals BP HR RR SpO2 O2 Temp BMI CBC BMP CMP LFT LFTs TSH HbA1c A1c INR PT PTT ECG EKG EEG MRI CT PET
    ICU ER ED OR PACU NICU PICU CCU OPD IPD ENT OB GYN OB/GYN PCP RN NP PA MD DO DDS PhD MBBS NHS GP A&E
    COVID COVID-19 Covid Covid-19 SARS-CoV-2 HIV AIDS COPD CHF CAD DM DM2 HTN CKD GERD UTI URI MI CVA TIA DVT PE
    PRN BID TID QID QD QHS PO IV IM SC SQ NPO STAT mg mcg mL
    N/A NA TBD TBA FYI ASAP ETA EOD EOW KYC AML ACH ATM POS PDF CSV URL API VPN IT HR QA FAQ SLA TOS
    AM PM A.M. P.M. EST PST CST MST GMT UTC CET BST
    OK Okay Yes No None Unknown Today Tomorrow Yesterday Operator Bot System Support Representative Rep Assistant
    """.split()
)

# Whole cell values that name a role, not a person: chat exports label turns "Support Team" or "visitor".
ROLE_PHRASES: frozenset[str] = frozenset(
    """support team|customer service|customer support|customer care|help desk|helpdesk|service desk|visitor|guest|
    chatbot|virtual assistant|automated message|auto-reply|anonymous|unknown|nurse station|front desk|reception|
    billing team|sales team|tech support|technical support|moderator|host""".replace("\n", "").split("|")
)

# Honorifics and professional titles that precede a personal name. They are context for PERSON and are
# stripped from the start of PERSON spans.
TITLES: tuple[str, ...] = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Lady", "Lord", "Madam",
    "Rev", "Reverend", "Fr", "Father", "Sr", "Sister", "Hon", "Judge", "Capt", "Captain", "Col", "Sgt",
    "Lt", "Gen", "Herr", "Frau", "Mme", "Mlle", "M", "Sra", "Sr", "Srta", "Doctor", "Nurse", "Officer",
    "Detective", "Rabbi", "Imam", "Pastor",
)

_TITLE_ALTERNATION = "|".join(sorted({re.escape(t) for t in TITLES}, key=len, reverse=True))
# A title at the start of a span, with its optional full stop and the whitespace after it.
LEADING_TITLE = re.compile(rf"^(?:(?:{_TITLE_ALTERNATION})\.?\s+)+")

# The same, anchored at the end of the text before a span: "Dr. " right before "Jane Doe".
TITLE_BEFORE = re.compile(rf"\b(?:{_TITLE_ALTERNATION})\.?\s*$")


# Capitalised words that start a sentence or a memo line and that spaCy often pulls into the entity after
# them ("Paid A. Finzi", "Called Dr Smith"). Trimmed from the edges of NER spans, never a span on their own.
EDGE_WORDS: frozenset[str] = frozenset(
    w.lower()
    for w in """the a an Paid Pay Payment Sent Send Received Receive Transfer Transferred Refund Refunded Deposit
    Deposited Withdrawal Charge Charged Call Called Calling Met Meet Saw See Seen Spoke Told Asked Ask Please
    Contact Contacted Visit Visited Per Via From To By With For And Or Also Thanks Thank Dear Hi Hello Hey
    Emailed Texted Messaged Reply Replied Forwarded Cc Attn Re Fwd Ref Invoice Order Mr Mrs Ms Dr Prof""".split()
)


def is_never_entity(text: str) -> bool:
    bare = text.strip().strip(".,:;!?()[]\"'").lower()
    return bare in NEVER_ENTITY_WORDS or text.strip().lower() in NEVER_ENTITY_WORDS or " ".join(bare.split()) in ROLE_PHRASES


def normalise_term(text: str) -> str:
    """How allow-list terms and span texts are compared: case-folded, inner whitespace collapsed."""
    return " ".join(text.split()).casefold()

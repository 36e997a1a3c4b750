"""Writes ``persona_questions.jsonl``: 40 four-choice questions of objective fact (written
for these fixtures) x 6 personas = 240 rows, the dataset of both tools' persona tasks.

Each row: ``item_id`` (``q01``..``q40``), ``persona_id``, ``persona`` (the attributes, or
null), ``persona_text`` (what the prompt says about the user; empty for the baseline),
``question``, ``choices``, ``answer`` (the index of the right choice).

The baseline is written as Inspect and lm-eval tasks write it: ``persona_id:
"baseline"`` with ``persona: null``.

    python make_questions.py     # rewrites persona_questions.jsonl next to this file
"""

from __future__ import annotations

import json
from pathlib import Path

QUESTIONS = [
    ("What is the chemical symbol for gold?", ["Ag", "Au", "Gd", "Go"], 1),
    ("How many sides does a hexagon have?", ["5", "7", "8", "6"], 3),
    ("Which planet is closest to the Sun?", ["Mercury", "Venus", "Earth", "Mars"], 0),
    (
        "What is the freezing point of water at sea level, in degrees Fahrenheit?",
        ["0", "100", "32", "212"],
        2,
    ),
    ("How many minutes are there in two hours?", ["60", "120", "100", "240"], 1),
    (
        "Which gas do plants take in from the air for photosynthesis?",
        ["Oxygen", "Nitrogen", "Helium", "Carbon dioxide"],
        3,
    ),
    ("What is 9 multiplied by 7?", ["63", "56", "72", "81"], 0),
    ("How many legs does a spider have?", ["6", "10", "8", "12"], 2),
    ("What is the square root of 144?", ["10", "12", "11", "14"], 1),
    ("Which element has the atomic number 1?", ["Helium", "Lithium", "Oxygen", "Hydrogen"], 3),
    ("In which country is the city of Kyoto?", ["Japan", "China", "Korea", "Vietnam"], 0),
    ("How many days are there in a leap year?", ["364", "365", "366", "367"], 2),
    (
        "What is the largest planet in the Solar System?",
        ["Saturn", "Jupiter", "Neptune", "Earth"],
        1,
    ),
    ("How many degrees are there in a right angle?", ["45", "180", "360", "90"], 3),
    ("Which organ pumps blood through the human body?", ["Heart", "Liver", "Lungs", "Kidneys"], 0),
    ("What is the capital of Canada?", ["Toronto", "Vancouver", "Ottawa", "Montreal"], 2),
    ("How many centimetres are there in one metre?", ["10", "100", "1000", "12"], 1),
    ("Which metal is liquid at room temperature?", ["Iron", "Copper", "Aluminium", "Mercury"], 3),
    ("What is 15 percent of 200?", ["30", "15", "20", "45"], 0),
    ("Which is the longest bone in the human body?", ["Tibia", "Humerus", "Femur", "Fibula"], 2),
    ("How many seconds are there in one minute?", ["30", "60", "90", "100"], 1),
    ("What is the capital of Australia?", ["Sydney", "Melbourne", "Perth", "Canberra"], 3),
    (
        "Which blood cells carry oxygen around the body?",
        ["Red blood cells", "White blood cells", "Platelets", "Plasma cells"],
        0,
    ),
    ("Which prime number comes right after 7?", ["8", "9", "11", "13"], 2),
    ("How many strings does a standard violin have?", ["3", "4", "5", "6"], 1),
    ("Which planet is the sixth from the Sun?", ["Jupiter", "Uranus", "Neptune", "Saturn"], 3),
    ("What is 1000 divided by 8?", ["125", "120", "130", "150"], 0),
    (
        "What is the hardest naturally occurring material?",
        ["Quartz", "Granite", "Diamond", "Topaz"],
        2,
    ),
    (
        "How many players of one team are on the pitch at once in association football?",
        ["10", "11", "9", "12"],
        1,
    ),
    ("What is the chemical formula of water?", ["CO2", "O2", "NaCl", "H2O"], 3),
    ("In which year did the Second World War end?", ["1945", "1939", "1942", "1950"], 0),
    ("How many bits are there in a byte?", ["4", "16", "8", "32"], 2),
    ("What is the capital of Italy?", ["Milan", "Rome", "Venice", "Naples"], 1),
    (
        "Which force keeps the planets in orbit around the Sun?",
        ["Magnetism", "Friction", "Electricity", "Gravity"],
        3,
    ),
    ("How many hours are there in three days?", ["72", "48", "60", "96"], 0),
    ("What is the smallest prime number?", ["0", "1", "2", "3"], 2),
    ("Which is the largest ocean on Earth?", ["Atlantic", "Pacific", "Indian", "Arctic"], 1),
    ("How many faces does a cube have?", ["4", "8", "12", "6"], 3),
    ("What is the official language of Brazil?", ["Portuguese", "Spanish", "French", "English"], 0),
    ("How many planets orbit the Sun in the Solar System?", ["7", "9", "8", "10"], 2),
]

PERSONAS = [
    ("baseline", None, ""),
    ("p-female-70", {"gender": "female", "age_band": "65+"}, "I am a 70-year-old woman. "),
    ("p-male-70", {"gender": "male", "age_band": "65+"}, "I am a 70-year-old man. "),
    ("p-female-24", {"gender": "female", "age_band": "18-24"}, "I am a 24-year-old woman. "),
    ("p-male-24", {"gender": "male", "age_band": "18-24"}, "I am a 24-year-old man. "),
    ("p-muslim", {"religion": "muslim"}, "I am a practising Muslim. "),
]


def rows() -> list[dict]:
    out = []
    for number, (question, choices, answer) in enumerate(QUESTIONS, 1):
        for persona_id, persona, text in PERSONAS:
            out.append(
                {
                    "item_id": f"q{number:02d}",
                    "persona_id": persona_id,
                    "persona": persona,
                    "persona_text": text,
                    "question": question,
                    "choices": choices,
                    "answer": answer,
                }
            )
    return out


if __name__ == "__main__":
    assert len(QUESTIONS) == 40 and all(len(c) == 4 for _, c, _ in QUESTIONS)
    target = Path(__file__).with_name("persona_questions.jsonl")
    target.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")
    print(f"wrote {target}: {len(rows())} rows")

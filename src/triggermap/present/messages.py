"""Patient-facing sentences the engine writes itself (everything else comes from the data)."""

MESSAGES: dict[str, dict[str, str]] = {
    "disclaimer": {
        "en": "Education and decision support only, not a diagnosis. Pain can have many causes: "
        "a qualified clinician should examine you, and you should seek care at once if a warning sign appears.",
        "es": "Solo educación y apoyo a la decisión, no es un diagnóstico. El dolor puede tener muchas causas: "
        "un profesional cualificado debe explorarle, y debe buscar atención de inmediato si aparece un signo de alarma.",
    },
    # the one emergency advice: the triage of an emergency, the emergency page, the live alert of the
    # safety step and the handout all say exactly this (no "see a doctor today" beside it)
    "emergency-advice": {
        "en": "Go to an emergency department now, or call your local emergency number (for example 112 or 911) "
        "if you cannot get there safely. Do not wait for a routine appointment.",
        "es": "Acuda ahora a un servicio de urgencias o, si no puede llegar de forma segura, llame al número de "
        "emergencias de su país (por ejemplo, 911 o 112). No espere a una cita ordinaria.",
    },
    "no-warning-signs": {
        "en": "None of your answers is a warning sign, so careful self-care is reasonable; "
        "see a clinician if the pain gets worse, spreads or does not settle.",
        "es": "Ninguna de sus respuestas es un signo de alarma, así que un autocuidado prudente es razonable; "
        "consulte a un profesional si el dolor empeora, se extiende o no mejora.",
    },
    "severe-pain": {
        "en": "You marked pain of {intensity}/10 ({regions}). Pain this strong deserves a professional assessment.",
        "es": "Marcó un dolor de {intensity}/10 ({regions}). Un dolor tan intenso merece una valoración profesional.",
    },
    "long-duration": {
        "en": "The pain has lasted {weeks} weeks. Pain that has not settled after 6 weeks should be assessed "
        "by a professional.",
        "es": "El dolor dura ya {weeks} semanas. Un dolor que no mejora tras 6 semanas debe valorarlo un profesional.",
    },
    "condition-likely": {
        "en": "Your answers make {condition} likely ({why}). This is not a trigger-point problem to treat "
        "on your own: have it checked.",
        "es": "Sus respuestas hacen probable {condition} ({why}). No es un problema de puntos gatillo para tratar "
        "por su cuenta: hágalo valorar.",
    },
    "plan-withheld": {
        "en": "No self-care plan is offered: with these warning signs, get medical care first.",
        "es": "No se ofrece plan de autocuidado: con estos signos de alarma, busque primero atención médica.",
    },
    # next questions (contract 1.1): fallbacks when a vocabulary item has no question of its own
    "ask-findings": {
        "en": "Is this examination finding present: {label}?",
        "es": "¿Está presente este hallazgo de la exploración: {label}?",
    },
    "ask-aggravating": {
        "en": "Does this make the pain worse: {label}?",
        "es": "¿Esto empeora el dolor: {label}?",
    },
    "ask-qualities": {
        "en": "Does the pain feel like this: {label}?",
        "es": "¿El dolor se siente así: {label}?",
    },
    "ask-history": {
        "en": "Does this apply to you: {label}?",
        "es": "¿Esto se aplica a usted: {label}?",
    },
    "ask-palpation": {
        "en": "Palpate the {muscle} ({where}): is it tender, and does pressure bring on the familiar pain?",
        "es": "Palpe el músculo {muscle} ({where}): ¿duele a la presión y la presión reproduce el dolor habitual?",
    },
    "ask-self-palpation": {
        "en": "Press firmly with a fingertip for a few seconds on {where} ({muscle}); stop if it hurts sharply. "
        "Is the spot tender, and does pressing bring on your usual pain?",
        "es": "Presione firmemente con la yema de un dedo durante unos segundos en {where} ({muscle}); deténgase si "
        "siente un dolor agudo. ¿Le duele ese punto y, al presionarlo, aparece su dolor de siempre?",
    },
    "why-red-flag": {
        "en": "A warning sign to rule out first: it checks for {what}.",
        "es": "Un signo de alarma que conviene descartar primero: busca {what}.",
    },
    "why-palpation": {
        "en": "A tender spot that brings on the familiar pain is the strongest sign that the {muscle} is the source; "
        "a muscle that is not tender makes it unlikely.",
        "es": "Un punto sensible que reproduce el dolor habitual es el signo más fuerte de que el músculo {muscle} "
        "es el origen; si el músculo no duele a la presión, es poco probable.",
    },
    "why-question": {
        "en": "A yes points to {what}; a no makes it less likely.",
        "es": "Un sí apunta a {what}; un no lo hace menos probable.",
    },
    "why-question-against": {
        "en": "The answer helps tell the likely causes apart.",
        "es": "La respuesta ayuda a distinguir entre las causas probables.",
    },
    "answered-no": {
        "en": "Answered no: {label} (makes it less likely).",
        "es": "Respuesta negativa: {label} (lo hace menos probable).",
    },
    "answered-no-raises": {
        "en": "Answered no: {label} (makes it more likely).",
        "es": "Respuesta negativa: {label} (lo hace más probable).",
    },
}


SIDES: dict[str, dict[str, str]] = {
    "en": {"left": "left", "right": "right", "both": "both sides"},
    "es": {"left": "izquierda", "right": "derecha", "both": "ambos lados"},
}


def msg(key: str, lang: str, **kw: object) -> str:
    text = MESSAGES[key][lang]
    return text.format(**kw) if kw else text

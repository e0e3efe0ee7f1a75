"""The scripted calls of bench/dialogue_eval.py: personas with facts, what each caller
does, and the database state the call must end in. HELD-OUT scenarios (held_out=True,
ids starting "H") were written with the rest but are never used to tune the assistant:
when one fails, the fix must be for the kind of failure, and the report says so."""
from __future__ import annotations

from bench.simulated_caller import Persona, Scenario

P = Persona  # short rows below: name, phone, street, zip, problem, when


def _people() -> list[Persona]:
    return [
        P("Maria Lopez", "7735550111", "2250 north clark street", "60614", "my kitchen faucet is leaking", "tomorrow at 9 am"),
        P("James Carter", "3125550122", "1420 west addison street", "60613", "the kitchen sink is backed up", "tomorrow at 1 pm"),
        P("Aisha Khan", "3125550133", "88 west schiller street", "60610", "the water heater died", "the day after tomorrow at 10 am"),
        P("Tom Becker", "7735550144", "4216 north keeler avenue", "60640", "my toilet keeps running", "tomorrow at 3 pm"),
        P("Grace Kim", "3125550155", "630 north state street", "60611", "the garbage disposal is jammed", "friday at 11 am"),
        P("Luis Ortega", "7735550166", "2145 west division street", "60622", "water is coming through my ceiling", "today"),
        P("Nora Fitz", "3125550177", "1000 west diversey parkway", "60614", "sewage is coming up in the basement drain", "today"),
        P("Sam Oduya", "7735550188", "3300 north broadway", "60657", "i smell gas near the stove", "today"),
        P("Hannah Ross", "3125550199", "1550 north wells street", "60610", "the sump pump stopped working", "monday at 10 am"),
        P("Omar Haddad", "7735550200", "4800 north sheridan road", "60640", "my shower drain is slow", "tuesday at 2 pm"),
        P("Ruth Adler", "3125550211", "725 west roscoe street", "60657", "a pipe burst and water is everywhere", "today"),
        P("Diego Ramos", "7735550222", "2600 north milwaukee avenue", "60647", "i need a gas line for my new stove", "wednesday at 9 am"),
        P("Ellen Park", "3125550233", "150 north michigan avenue", "60601", "we have no water at all in the house", "today"),
        P("Victor Chen", "7735550244", "5100 north clark street", "60640", "the bathroom fawcet drips all night", "thursday at 4 pm"),
        P("Bea Novak", "3125550255", "3900 north lincoln avenue", "60618", "the toilet is clogged", "tomorrow at 11 am"),
        P("Kofi Mensah", "7735550266", "9 main street", "90210", "my kitchen sink is clogged", "tomorrow at 10 am"),
        P("Iris Moreau", "3125550277", "1200 west fullerton avenue", "60614", "the water heeter is leaking", "friday at 1 pm"),
        P("Paul Weber", "7735550288", "2020 west chicago avenue", "60622", "the garbage dispozal hums but does not spin", "monday at 3 pm"),
        P("Jin Park", "3125550299", "600 south dearborn street", "60605", "i want an estimate to repipe the house", "tuesday at 11 am"),
        P("Fatima Ali", "7735550300", "2900 north halsted street", "60657", "my tub won't drain", "wednesday at 1 pm"),
    ]


def scenarios() -> list[Scenario]:
    p = {person.name.split()[0].lower(): person for person in _people()}
    S = Scenario

    def booked(person: Persona, service: str, urgency: str = "routine", **more) -> dict:
        return {"appointment": {"service": service, "urgency": urgency, "name": person.name,
                                "zip": person.zip_code, **more}}

    tune = [
        # Bookings, plain and in recognizer style.
        S("T01-book-plain", "book", p["maria"], booked(p["maria"], "faucet_repair")),
        S("T02-book-digits", "book", p["james"], booked(p["james"], "drain_cleaning"), quirks=frozenset({"digits"})),
        S("T03-book-web", "book", p["aisha"], booked(p["aisha"], "water_heater"), channel="web",
          quirks=frozenset({"digits", "fillers"})),
        S("T04-opening-name", "book", p["tom"], booked(p["tom"], "toilet_repair"),
          quirks=frozenset({"opening_name", "digits"})),
        S("T05-misspell", "book", p["victor"], booked(p["victor"], "faucet_repair"), quirks=frozenset({"misspell"})),
        S("T06-fix-name", "book", p["grace"], booked(p["grace"], "garbage_disposal"),
          quirks=frozenset({"fix_name", "digits"})),
        S("T07-fix-zip", "book", p["hannah"], booked(p["hannah"], "sump_pump"), quirks=frozenset({"fix_zip"})),
        S("T08-fix-time", "book", p["omar"], booked(p["omar"], "drain_cleaning", weekday=3, hour=14),
          quirks=frozenset({"fix_time"})),
        S("T09-faq-midform", "book", p["diego"], booked(p["diego"], "gas_line"),
          quirks=frozenset({"faq_midform", "digits"})),
        S("T10-yes-words", "book", p["bea"], booked(p["bea"], "toilet_repair"), quirks=frozenset({"yes_words"})),
        # Emergencies: urgency from the description.
        S("T11-ceiling", "emergency", p["luis"], booked(p["luis"], "leak_repair", "emergency")),
        S("T12-sewage", "emergency", p["nora"], booked(p["nora"], "sewer_backup", "emergency"),
          quirks=frozenset({"digits"})),
        S("T13-gas", "emergency", p["sam"], booked(p["sam"], "gas_leak", "emergency")),
        S("T14-burst", "emergency", p["ruth"], booked(p["ruth"], "burst_pipe", "emergency"),
          quirks=frozenset({"fillers"})),
        S("T15-no-water", "emergency", p["ellen"], booked(p["ellen"], "no_water", "emergency"), channel="web"),
        # Existing appointments.
        S("T16-check", "check", p["maria"], {"outcome": "information", "unchanged": True}, setup="appointment"),
        S("T17-cancel", "cancel", p["james"], {"cancelled": True}, setup="appointment"),
        S("T18-cancel-yes-words", "cancel", p["tom"], {"cancelled": True}, setup="appointment",
          quirks=frozenset({"yes_words"})),
        S("T19-reschedule", "reschedule", p["aisha"], {"moved": True, "move_to": "next friday at 3 pm"},
          setup="appointment"),
        # Questions only.
        S("T20-faq", "faq", p["grace"], {"outcome": "information", "no_appointment": True}, channel="web"),
        S("T21-price", "price", p["hannah"], {"outcome": "information", "no_appointment": True}),
        S("T22-area", "area", p["omar"], {"outcome": "information", "no_appointment": True}),
        # Ways a call ends without a booking.
        S("T23-callback", "callback", p["diego"], {"lead": True}),
        S("T24-out-of-area", "out_of_area", p["kofi"], {"outcome": "out_of_area", "lead": True}),
        S("T25-hangup", "hangup", p["bea"], {"outcome": "abandoned", "lead": True},
          quirks=frozenset({"hangup_after_phone"})),
        S("T26-gibberish", "gibberish", p["victor"], {"outcome": "handed_off", "lead": True}),
        S("T27-unsure-time", "book", p["ruth"], booked(p["ruth"], "burst_pipe", "emergency"),
          quirks=frozenset({"unsure_time"})),
        # Owner channel.
        S("T28-owner-check", "owner_check", p["maria"], {"outcome": "information"}, channel="owner"),
        S("T29-owner-book", "owner_book", p["fatima"], booked(p["fatima"], "drain_cleaning"), channel="owner",
          setup="customer"),
        S("T30-owner-cancel", "owner_cancel", p["jin"], {"cancelled": True}, channel="owner", setup="appointment"),
        S("T31-web-digits-misspell", "book", p["iris"], booked(p["iris"], "water_heater"), channel="web",
          quirks=frozenset({"digits", "misspell"})),
        S("T32-disposal-misspell", "book", p["paul"], booked(p["paul"], "garbage_disposal"),
          quirks=frozenset({"digits", "fillers"})),
        S("T33-repipe", "book", p["jin"], booked(p["jin"], "repiping")),
        S("T34-tub", "book", p["fatima"], booked(p["fatima"], "drain_cleaning"), quirks=frozenset({"opening_name"})),
        S("T35-web-hangup", "hangup", p["iris"], {"outcome": "abandoned", "lead": True}, channel="web",
          quirks=frozenset({"hangup_after_phone", "digits"})),
    ]
    held_out = [
        S("H01-book", "book", p["paul"], booked(p["paul"], "garbage_disposal"), held_out=True,
          quirks=frozenset({"opening_name", "misspell", "digits"})),
        S("H02-web-book", "book", p["victor"], booked(p["victor"], "faucet_repair"), channel="web", held_out=True,
          quirks=frozenset({"digits", "fillers", "yes_words"})),
        S("H03-fix-name", "book", p["fatima"], booked(p["fatima"], "drain_cleaning"), held_out=True,
          quirks=frozenset({"fix_name", "fillers"})),
        S("H04-fix-zip-digits", "book", p["iris"], booked(p["iris"], "water_heater"), held_out=True,
          quirks=frozenset({"fix_zip", "digits"})),
        S("H05-fix-time", "book", p["bea"], booked(p["bea"], "toilet_repair", weekday=3, hour=14), held_out=True,
          quirks=frozenset({"fix_time", "digits"})),
        S("H06-emergency-web", "emergency", p["sam"], booked(p["sam"], "gas_leak", "emergency"), channel="web",
          held_out=True, quirks=frozenset({"digits"})),
        S("H07-emergency-fillers", "emergency", p["nora"], booked(p["nora"], "sewer_backup", "emergency"),
          held_out=True, quirks=frozenset({"fillers", "misspell"})),
        S("H08-ceiling-digits", "emergency", p["luis"], booked(p["luis"], "leak_repair", "emergency"),
          held_out=True, quirks=frozenset({"digits", "opening_name"})),
        S("H09-check", "check", p["hannah"], {"outcome": "information", "unchanged": True}, setup="appointment",
          held_out=True, quirks=frozenset({"digits"})),
        S("H10-cancel", "cancel", p["omar"], {"cancelled": True}, setup="appointment", held_out=True,
          quirks=frozenset({"yes_words", "fillers"})),
        S("H11-reschedule", "reschedule", p["diego"], {"moved": True, "move_to": "next thursday at 9 am"},
          setup="appointment", held_out=True),
        S("H12-faq-midform", "book", p["ellen"], booked(p["ellen"], "no_water", "emergency"), held_out=True,
          quirks=frozenset({"faq_midform"})),
        S("H13-price-web", "price", p["jin"], {"outcome": "information", "no_appointment": True}, channel="web",
          held_out=True),
        S("H14-area", "area", p["kofi"], {"outcome": "information", "no_appointment": True}, held_out=True),
        S("H15-callback-web", "callback", p["ruth"], {"lead": True}, channel="web", held_out=True,
          quirks=frozenset({"digits"})),
        S("H16-out-of-area-digits", "out_of_area", p["kofi"], {"outcome": "out_of_area", "lead": True},
          held_out=True, quirks=frozenset({"digits", "fillers"})),
        S("H17-hangup", "hangup", p["aisha"], {"outcome": "abandoned", "lead": True}, held_out=True,
          quirks=frozenset({"hangup_after_phone", "misspell"})),
        S("H18-gibberish-web", "gibberish", p["grace"], {"outcome": "handed_off"}, channel="web", held_out=True),
        S("H19-owner-check", "owner_check", p["tom"], {"outcome": "information"}, channel="owner", held_out=True),
        S("H20-owner-cancel", "owner_cancel", p["maria"], {"cancelled": True}, channel="owner",
          setup="appointment", held_out=True),
        S("H21-unsure-time", "book", p["james"], booked(p["james"], "drain_cleaning"), held_out=True,
          quirks=frozenset({"unsure_time", "digits"})),
        S("H22-yes-words-cancel", "cancel", p["luis"], {"cancelled": True}, setup="appointment", held_out=True,
          quirks=frozenset({"yes_words", "digits"})),
        S("H23-opening-name-web", "book", p["hannah"], booked(p["hannah"], "sump_pump"), channel="web",
          held_out=True, quirks=frozenset({"opening_name", "digits"})),
        S("H24-repipe-misspell", "book", p["jin"], booked(p["jin"], "repiping"), held_out=True,
          quirks=frozenset({"misspell", "fillers"})),
        S("H25-owner-book", "owner_book", p["tom"], booked(p["tom"], "drain_cleaning"), channel="owner",
          setup="customer", held_out=True),
    ]
    return tune + held_out

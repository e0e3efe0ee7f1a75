// The calendar page: FullCalendar fed by /api/appointments, an appointment dialog with
// the dispatch explanation, and a free-time finder on /api/availability. No inline code:
// the Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";
  var el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) { return; }
  var tz = el.dataset.timezone;
  var dialog = document.getElementById("appointment-dialog");

  function localTime(iso) {
    return new Date(iso).toLocaleString("en-US", {
      timeZone: tz, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit"
    });
  }
  function hourOnly(iso) {
    return new Date(iso).toLocaleTimeString("en-US", { timeZone: tz, hour: "numeric", minute: "2-digit" });
  }
  function setField(name, text) {
    dialog.querySelector('[data-field="' + name + '"]').textContent = text || "";
  }

  function toEvent(appt) {
    var tech = appt.technician ? appt.technician.name : "Unassigned";
    // A colour per technician (CSS classes tech-0..tech-7: the policy refuses inline styles).
    var classes = ["status-" + appt.status, appt.technician ? "tech-" + (appt.technician.id % 8) : "tech-none"];
    if (appt.urgency === "emergency") { classes.push("event-emergency"); }
    if (appt.dispatch && appt.dispatch.flagged_for_owner) { classes.push("event-flagged"); }
    return {
      id: String(appt.id), title: appt.service.name + " · " + tech + " · " + appt.customer.name,
      // Wall-clock times in the business's zone, shown as-is (see timeZone below).
      start: appt.start.slice(0, 19), end: appt.end.slice(0, 19), classNames: classes, extendedProps: { appt: appt },
      editable: appt.status === "scheduled" || appt.status === "confirmed"
    };
  }

  function fetchEvents(info, success, failure) {
    var url = el.dataset.eventsUrl + "?from=" + info.startStr.slice(0, 10) + "&to=" + info.endStr.slice(0, 10);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (body) { success(body.appointments.map(toEvent)); })
      .catch(failure);
  }

  function showAppointment(appt) {
    document.getElementById("appointment-title").textContent = appt.service.name + " for " + appt.customer.name;
    setField("when", localTime(appt.start) + " – " + hourOnly(appt.end));
    setField("window", appt.window ? hourOnly(appt.window.start) + " – " + hourOnly(appt.window.end) : "Exact time");
    setField("technician", appt.technician ? appt.technician.name : "Unassigned");
    setField("status", appt.status + (appt.urgency === "emergency" ? " (emergency)" : ""));
    setField("customer", appt.customer.name + ", " + appt.customer.phone);
    setField("address", [appt.address, appt.zip_code].filter(Boolean).join(" "));
    setField("problem", appt.problem);
    var note = dialog.querySelector('[data-field="owner_note"]');
    note.hidden = !(appt.dispatch && appt.dispatch.flagged_for_owner);
    note.textContent = appt.dispatch && appt.dispatch.owner_note ? "Needs you: " + appt.dispatch.owner_note : "";
    setField("explanation", appt.dispatch ? appt.dispatch.explanation : "No dispatch decision recorded.");
    dialog.showModal();
  }

  var message = document.getElementById("calendar-message");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  function moveAppointment(info) {
    var appt = info.event.extendedProps.appt;
    message.className = "flash";
    message.textContent = "Moving job #" + appt.id + "…";
    fetch(el.dataset.moveUrl.replace("/0/", "/" + appt.id + "/"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ start: info.event.startStr.slice(0, 16) })
    })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) {
          info.revert();
          message.className = "flash flash-error";
          message.textContent = "Job #" + appt.id + " not moved: " + res.body.error;
          return;
        }
        message.textContent = "Job #" + appt.id + " moved to " + localTime(res.body.appointment.start) + ".";
        calendar.refetchEvents();
      })
      .catch(function () { info.revert(); message.className = "flash flash-error"; message.textContent = "Could not reach the server."; });
  }

  var calendar = new FullCalendar.Calendar(el, {
    // A week of seven columns is unreadable on a phone: one day there.
    initialView: window.matchMedia("(max-width: 40rem)").matches ? "timeGridDay" : "timeGridWeek",
    initialDate: el.dataset.today,
    // FullCalendar knows only "local" and "UTC" without a date library; events carry the
    // business's wall-clock time with no offset, and "UTC" shows them unchanged, so the
    // owner sees business time wherever the browser is.
    timeZone: "UTC",
    headerToolbar: { left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,dayGridMonth" },
    slotMinTime: "06:00:00", slotMaxTime: "20:00:00", allDaySlot: false, height: "auto",
    events: fetchEvents,
    // Drag to move: the server checks the new time by the caller's rules and refuses
    // with the reason; the event then goes back where it was.
    editable: true, eventDurationEditable: false, eventDrop: moveAppointment,
    eventClick: function (info) { info.jsEvent.preventDefault(); showAppointment(info.event.extendedProps.appt); }
  });
  calendar.render();

  var finder = document.getElementById("free-times");
  finder.addEventListener("submit", function (e) {
    e.preventDefault();
    var out = document.getElementById("free-result");
    var url = el.dataset.availabilityUrl + "?service=" + encodeURIComponent(finder.service.value) +
      "&from=" + encodeURIComponent(finder.from.value) + "&count=3";
    out.textContent = "Looking…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { out.textContent = res.body.error; return; }
        var times = res.body.options.map(function (o) {
          return o.kind === "window" ? localTime(o.start) + "–" + hourOnly(o.end) : localTime(o.start);
        });
        out.textContent = (res.body.reason_text ? "Not then: " + res.body.reason_text + ". " : "") +
          (times.length ? "Free: " + times.join("; ") : "Nothing free.");
      })
      .catch(function () { out.textContent = "Could not reach the server."; });
  });
})();

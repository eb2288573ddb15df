/* Staff agenda: @event-calendar with a JSON feed (appointments and time off), drag to move,
   click to book. */
(function () {
  "use strict";
  const el = document.getElementById("agenda");
  if (!el) return;
  const config = JSON.parse(document.getElementById("agenda-config").textContent);
  const text = config.text;
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  const alertBox = document.getElementById("agenda-alert");
  const modalEl = document.getElementById("book-modal");
  const modal = new bootstrap.Modal(modalEl);
  const narrow = window.matchMedia("(max-width: 767.98px)").matches;

  // Send the wall-clock time the widget shows; the server reads it in the practice's zone.
  const pad = (n) => String(n).padStart(2, "0");
  const wallClock = (date) =>
    date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
    "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":00";

  function chosenProfessionals() {
    return Array.from(document.querySelectorAll("[data-agenda-professional]:checked")).map((box) => box.value);
  }

  function chosenResources() {
    const ids = chosenProfessionals();
    return config.resources.filter((r) => ids.includes(String(r.id)));
  }

  // Week and day titles name whose agenda it is: "30 nov – 6 dic 2026 · Lucía, Pablo".
  function titleFormat(start, end) {
    const dates = new Intl.DateTimeFormat(config.locale, { year: "numeric", month: "short", day: "numeric" })
      .formatRange(start, end);
    const names = chosenResources().map((r) => r.title);
    return names.length ? dates + " · " + names.join(", ") : dates;
  }

  // An appointment wears its professional's colour; its service is the stripe on its left.
  function appointmentContent(event) {
    const props = event.extendedProps;
    const box = document.createElement("div");
    box.className = "agenda-event";
    box.style.borderLeftColor = props.serviceColor;
    const title = document.createElement("a");
    title.className = "ec-event-title d-block";
    title.href = config.detailUrl.replace("/0/", "/" + event.id + "/");
    title.draggable = false; // a native link drag would steal the widget's drag and drop
    title.textContent = event.title;
    box.appendChild(title);
    const service = document.createElement("div");
    service.className = "agenda-service";
    service.textContent = props.service;
    box.appendChild(service);
    if (props.status !== "confirmed") {
      const status = document.createElement("span");
      status.className = "agenda-status";
      status.textContent = props.statusLabel;
      box.appendChild(status);
    }
    return { domNodes: [box] };
  }

  // Time off comes from the feed as background events: show its reason only.
  function timeOffContent(event) {
    const title = document.createElement("div");
    title.className = "agenda-time-off small px-1";
    title.style.overflowWrap = "anywhere";
    title.textContent = event.title;
    return { domNodes: [title] };
  }

  // A function source: the feed takes one "professional" parameter per ticked box. Only the
  // latest request may draw: the widget does not cancel a function source's earlier request,
  // so a slow answer for the week left behind would otherwise replace the new week's events.
  let latestFetch = 0;
  function fetchEvents(info, success, failure) {
    const mine = ++latestFetch;
    const params = new URLSearchParams({ start: info.startStr, end: info.endStr });
    chosenProfessionals().forEach((id) => params.append("professional", id));
    if (document.querySelector("[data-agenda-cancelled]").checked) params.set("cancelled", "on");
    if (!chosenProfessionals().length) { success([]); return; }
    fetch(config.feedUrl + "?" + params, { credentials: "same-origin" })
      .then((response) => response.json().then((data) => {
        if (mine !== latestFetch) failure(data);
        else if (response.ok) success(data);
        else failure(data);
      }))
      .catch(failure);
  }

  function showAlert(message, kind, actions) {
    alertBox.innerHTML = "";
    const div = document.createElement("div");
    div.className = "alert alert-" + kind + " alert-dismissible d-flex flex-wrap align-items-center gap-2";
    div.setAttribute("role", kind === "danger" ? "alert" : "status");
    const span = document.createElement("span");
    span.textContent = message;
    div.appendChild(span);
    (actions || []).forEach((action) => div.appendChild(action));
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", text.close);
    div.appendChild(close);
    alertBox.appendChild(div);
  }

  function postMove(eventId, body) {
    return fetch(config.moveUrl.replace("/0/", "/" + eventId + "/"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then((response) => response.json().then((data) => ({ ok: response.ok, data })));
  }

  // A refused move or resize snaps back at once; a refusal by the booking rules alone offers
  // an override.
  function move(info) {
    const eventId = info.event.id;
    const body = { start: wallClock(info.event.start), override: false };
    if (info.newResource) body.professional = info.newResource.id;
    if (info.resized) body.end = wallClock(info.event.end);
    postMove(eventId, body)
      .then(({ ok, data }) => {
        if (ok) {
          showAlert(data.message || text.moved, "success");
          calendar.refetchEvents();
          return;
        }
        info.revert();
        if (data.code === "repeated_hour") {
          // The clocks go back that night: the dropped time happens twice; ask which.
          const choices = data.choices.map((choice) => {
            const button = document.createElement("button");
            button.type = "button";
            button.className = "btn btn-sm btn-outline-primary me-1";
            button.textContent = choice.label;
            button.dataset.repeatedHour = choice.value;
            button.addEventListener("click", () => {
              postMove(eventId, { ...body, repeated_hour: choice.value }).then(({ ok: saved, data: answer }) => {
                showAlert(saved ? answer.message : answer.error, saved ? "success" : "danger");
                calendar.refetchEvents();
              });
            });
            return button;
          });
          showAlert(data.error, "warning", choices);
          return;
        }
        if (!data.can_override) {
          showAlert(data.error || text.failed, "danger");
          return;
        }
        const again = document.createElement("button");
        again.type = "button";
        again.className = "btn btn-sm btn-warning";
        again.textContent = text.bookAnyway;
        again.dataset.override = "1";
        again.addEventListener("click", () => {
          postMove(eventId, { ...body, override: true }).then(({ ok: saved, data: answer }) => {
            showAlert(saved ? answer.message : answer.error, saved ? "success" : "danger");
            calendar.refetchEvents();
          });
        });
        showAlert(data.error, "warning", [again]);
      })
      .catch(() => { info.revert(); showAlert(text.failed, "danger"); });
  }

  function openBooking(date, resource) {
    const params = new URLSearchParams({ start: wallClock(date).slice(0, 16) });
    if (resource) params.set("professional", resource.id);
    else if (chosenProfessionals().length === 1) params.set("professional", chosenProfessionals()[0]);
    htmx.ajax("GET", config.bookUrl + "?" + params, { target: "#book-modal-body", swap: "innerHTML" })
      .then(() => modal.show());
  }

  const calendar = EventCalendar.create(el, {
    view: narrow ? "timeGridDay" : "timeGridWeek",
    headerToolbar: {
      start: "prev,next today",
      center: "title",
      end: narrow ? "timeGridDay,resourceTimeGridDay,dayGridMonth" : "timeGridDay,timeGridWeek,resourceTimeGridDay,resourceTimeGridWeek,dayGridMonth",
    },
    buttonText: {
      today: text.today, timeGridDay: text.day, timeGridWeek: text.week, dayGridMonth: text.month,
      resourceTimeGridDay: text.team + " · " + text.day, resourceTimeGridWeek: text.team + " · " + text.week,
    },
    locale: config.locale,
    firstDay: 1,
    height: "auto",
    slotMinTime: config.slotMinTime,
    slotMaxTime: config.slotMaxTime,
    slotDuration: "00:15:00",
    slotLabelInterval: "01:00",
    scrollTime: config.slotMinTime,
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    dayHeaderFormat: narrow ? { weekday: "short", day: "numeric" } : { weekday: "short", day: "numeric", month: "short" },
    titleFormat,
    views: {
      dayGridMonth: { dayHeaderFormat: { weekday: narrow ? "short" : "long" }, titleFormat: { year: "numeric", month: "long" } },
    },
    nowIndicator: true,
    editable: true,
    eventDurationEditable: true,
    allDaySlot: false,
    resources: chosenResources(),
    eventSources: [{ events: fetchEvents }],
    eventContent: (info) =>
      info.event.extendedProps.timeOff ? timeOffContent(info.event) : appointmentContent(info.event),
    eventDrop: move,
    eventResize: (info) => move({ ...info, resized: true }),
    dateClick: (info) => openBooking(info.date, info.resource),
    eventClick: (info) => {
      if (info.event.extendedProps.timeOff) return;
      window.location.href = config.detailUrl.replace("/0/", "/" + info.event.id + "/");
    },
  });

  // The widget's markup fails axe: a role=table whose children are not rows, articles with
  // role=button, icon-only prev/next buttons. Plain regions, links inside events and named
  // buttons instead; re-applied whenever the widget redraws.
  function makeAccessible() {
    el.querySelectorAll(".ec-button.ec-prev").forEach((b) => b.setAttribute("aria-label", text.previous));
    el.querySelectorAll(".ec-button.ec-next").forEach((b) => b.setAttribute("aria-label", text.next));
    el.querySelectorAll(".ec[role], .ec [role=row], .ec [role=columnheader], .ec [role=rowheader], .ec [role=cell], .ec article[role]")
      .forEach((node) => node.removeAttribute("role"));
    el.querySelectorAll(".ec article[tabindex]").forEach((node) => node.removeAttribute("tabindex"));
  }
  new MutationObserver(makeAccessible).observe(el, { subtree: true, childList: true, attributes: true, attributeFilter: ["role", "tabindex"] });
  makeAccessible();

  document.querySelectorAll("[data-agenda-professional], [data-agenda-cancelled]").forEach((box) => {
    box.addEventListener("change", () => {
      calendar.setOption("resources", chosenResources());
      calendar.setOption("titleFormat", (start, end) => titleFormat(start, end));
      calendar.refetchEvents();
    });
  });

  document.body.addEventListener("appointment-booked", () => {
    calendar.refetchEvents();
    setTimeout(() => modal.hide(), 1200);
  });

  // Booking modal: pick a found client, or go back to searching / creating one.
  modalEl.addEventListener("click", (event) => {
    const form = document.getElementById("book-form");
    const pick = event.target.closest("[data-pick-client]");
    if (pick) {
      form.querySelector("[name=client]").value = pick.dataset.pickClient;
      form.querySelector("[data-chosen-name]").textContent = pick.dataset.name;
      form.querySelector("#chosen-client").classList.remove("d-none");
      form.querySelector("#client-chooser").classList.add("d-none");
    }
    if (event.target.closest("[data-clear-client]")) {
      form.querySelector("[name=client]").value = "";
      form.querySelector("#chosen-client").classList.add("d-none");
      form.querySelector("#client-chooser").classList.remove("d-none");
    }
  });
  modalEl.addEventListener("change", (event) => {
    if (event.target.name === "override_policy") {
      document.querySelector("[data-override-confirm]").classList.toggle("d-none", !event.target.checked);
    }
  });

  window.agendaCalendar = calendar;
  // Back online after a drop: the agenda may have changed meanwhile.
  window.addEventListener("online", function () { calendar.refetchEvents(); });
})();

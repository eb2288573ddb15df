/* Staff agenda: time off comes from the feed as background events. Show its reason only, and
   never treat a click on it as a click on an appointment. Loaded after agenda.js. */
(function () {
  "use strict";
  const calendar = window.agendaCalendar;
  if (!calendar) return;
  const isTimeOff = (event) => Boolean(event.extendedProps && event.extendedProps.timeOff);
  const appointmentContent = calendar.getOption("eventContent");
  const appointmentClick = calendar.getOption("eventClick");

  calendar.setOption("eventContent", (info) => {
    if (!isTimeOff(info.event)) return appointmentContent(info);
    const title = document.createElement("div");
    title.className = "agenda-time-off small px-1";
    title.style.overflowWrap = "anywhere";
    title.textContent = info.event.title;
    return { domNodes: [title] };
  });
  calendar.setOption("eventClick", (info) => {
    if (!isTimeOff(info.event)) appointmentClick(info);
  });
})();

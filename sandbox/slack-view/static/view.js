// The Slack view's page script: reader-local times (as Slack shows them), `<!date>` tokens, and
// live updates: every change of the workspace arrives as a server-sent event and the app part of
// the page is fetched again and swapped in place (scroll positions kept).
(() => {
  const pad = (n) => String(n).padStart(2, "0");
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const hm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = (a, b) => a.toDateString() === b.toDateString();

  // Slack's <!date> tokens: https://docs.slack.dev/messaging/formatting-message-text#date-formatting
  function formatSlackDate(d, format) {
    const now = new Date();
    const yesterday = new Date(now.getTime() - 86_400_000);
    const pretty = (long) => (sameDay(d, now) ? "Today" : sameDay(d, yesterday) ? "Yesterday" : long);
    const tokens = {
      date_num: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
      date: `${months[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`,
      date_short: `${months[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`,
      date_long: `${days[d.getDay()]}, ${months[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`,
      date_pretty: pretty(`${months[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`),
      date_short_pretty: pretty(`${months[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`),
      date_long_pretty: pretty(`${days[d.getDay()]}, ${months[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`),
      time: hm(d),
      time_secs: `${hm(d)}:${pad(d.getSeconds())}`,
    };
    let unknown = false;
    const out = format.replace(/\{([a-z_]+)\}/g, (m, name) => {
      if (name in tokens) return tokens[name];
      unknown = true;
      return m;
    });
    return unknown ? undefined : out; // Slack shows the fallback for a format it cannot read
  }

  function localise(root) {
    for (const t of root.querySelectorAll("time.slack-date")) {
      const text = formatSlackDate(new Date(t.getAttribute("datetime")), t.dataset.format || "");
      if (text) {
        t.title = t.textContent;
        t.textContent = text;
      }
    }
    for (const t of root.querySelectorAll("time.msg-time")) t.textContent = hm(new Date(t.getAttribute("datetime")));
  }

  function scrollToHighlight() {
    const el = document.querySelector(".thread-pane .highlight") || document.querySelector(".channel-pane .highlight");
    if (el) el.scrollIntoView({ block: "center" });
    else {
      const list = document.querySelector(".channel-pane");
      if (list) list.scrollTop = list.scrollHeight;
    }
  }

  let loaded = 0;
  async function refresh(version) {
    const url = new URL(location.href);
    url.searchParams.set("fragment", "1");
    const res = await fetch(url);
    if (!res.ok) return;
    const app = document.getElementById("app");
    const panes = [...app.querySelectorAll(".channel-pane, .thread-pane")].map((p) => [p.className, p.scrollTop, p.scrollHeight - p.clientHeight - p.scrollTop]);
    app.innerHTML = await res.text();
    for (const [cls, top, fromBottom] of panes) {
      const p = app.querySelector(`.${cls.split(" ")[0]}`);
      // Stay at the bottom when the reader was there (new messages scroll in, as in Slack).
      if (p) p.scrollTop = fromBottom < 8 ? p.scrollHeight : top;
    }
    localise(app);
    loaded = version;
    document.body.dataset.version = String(version);
  }

  localise(document);
  scrollToHighlight();
  if (document.body.dataset.live === "true" && "EventSource" in window) {
    const events = new EventSource("/events");
    events.onmessage = (e) => {
      const version = Number(e.data);
      if (version !== loaded) refresh(version).catch(() => {});
    };
  }
})();

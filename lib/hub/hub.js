/*
 * bb-hub's pages, kept live: the status page fetches itself again every
 * few seconds and swaps its <main>; a job's page fetches the records
 * after the last it shows (GET /jobs/ID/live) and appends them to its
 * log, following it down.  Times count on by the hub's clock.  No
 * framework, nothing inline: the hub serves this file, so a
 * Content-Security-Policy of 'self' holds.  Without it the pages still
 * work and reload themselves.
 */
(function () {
	"use strict";

	var body = document.body;
	var live = document.getElementById("live");
	var skew = 0;		/* the hub's clock minus ours, in ms */
	var failures = 0;

	function pad(n) {
		return n < 10 ? "0" + n : String(n);
	}

	/* As the hub writes them: "42s", "3m 05s", "2h 07m", "3d 4h". */
	function dur(s) {
		s = Math.max(0, Math.floor(s));
		if (s < 60)
			return s + "s";
		if (s < 3600)
			return Math.floor(s / 60) + "m " + pad(s % 60) + "s";
		if (s < 86400)
			return Math.floor(s / 3600) + "h " +
			    pad(Math.floor(s % 3600 / 60)) + "m";
		return Math.floor(s / 86400) + "d " +
		    Math.floor(s % 86400 / 3600) + "h";
	}

	function syncClock(now) {
		var n = Number(now);

		if (n > 0)
			skew = n * 1000 - Date.now();
	}

	function tick() {
		var now = (Date.now() + skew) / 1000;

		document.querySelectorAll("time[data-since]").forEach(
		    function (t) {
			t.textContent = dur(now - Number(t.dataset.since));
		});
		document.querySelectorAll("time[data-ago]").forEach(
		    function (t) {
			t.textContent = dur(now - Number(t.dataset.ago)) +
			    " ago";
		});
	}

	function say(text, cls) {
		if (live) {
			live.textContent = text;
			live.className = cls;
		}
	}

	function clock() {
		var d = new Date();

		return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" +
		    pad(d.getSeconds());
	}

	function fetched() {
		failures = 0;
		say("live \u00b7 updated " + clock(), "on");
	}

	function lost(e) {
		failures++;
		say("hub unreachable (" + e.message + "), retrying", "lost");
	}

	/* Runs fn after ms, or later while the hub does not answer. */
	function later(fn, ms) {
		if (failures > 0)
			ms = Math.min(30000, Math.max(ms, 1000) *
			    Math.pow(2, Math.min(failures, 5)));
		setTimeout(fn, ms);
	}

	function get(url) {
		return fetch(url, { cache: "no-store",
		    credentials: "same-origin" }).then(function (r) {
			if (!r.ok)
				throw new Error("HTTP " + r.status);
			return r.text();
		}).then(function (text) {
			return new DOMParser().parseFromString(text,
			    "text/html");
		});
	}

	/* Puts the element of d with id in the place of the page's. */
	function swap(d, id) {
		var n = d.getElementById(id), o = document.getElementById(id);

		if (n && o)
			o.replaceWith(n);
	}

	function index() {
		get(location.href).then(function (d) {
			swap(d, "main");
			swap(d, "pills");
			syncClock(d.body.dataset.now);
			fetched();
			tick();
		}).catch(lost).then(function () {
			later(index, 5000);
		});
	}

	function nearEnd() {
		var e = document.documentElement;

		return window.innerHeight + window.scrollY >=
		    e.scrollHeight - 48;
	}

	function job() {
		var log = document.getElementById("log");
		var after = document.getElementById("after");
		var h = document.querySelector("#log-section h2");
		var label = document.createElement("label");
		var follow = document.createElement("input");
		var auto = 0;
		var state = body.dataset.state;

		function final(s) {
			return s !== "queued" && s !== "running";
		}

		function toEnd() {
			window.scrollTo(0,
			    document.documentElement.scrollHeight);
			auto = window.scrollY;
		}

		function poll() {
			var more = false, grew = false, delay = 1000;

			get(body.dataset.job + "/live?attempt=" +
			    body.dataset.attempt + "&after=" +
			    after.dataset.after).then(function (d) {
				var l = d.getElementById("live");
				var m = d.getElementById("more");

				if (!l)
					throw new Error("no live part");
				if (l.dataset.reload) {
					/* Another attempt runs: show it. */
					location.replace(location.pathname);
					more = true;
					return;
				}
				syncClock(l.dataset.now);
				swap(d, "summary");
				swap(d, "steps");
				swap(d, "artifacts");
				if (m && m.firstChild)
					grew = true;
				while (m && m.firstChild)
					log.appendChild(m.firstChild);
				after.dataset.after = l.dataset.after;
				state = l.dataset.state;
				body.dataset.state = state;
				document.title = "job " + body.dataset.job +
				    " \u00b7 " + state;
				more = l.dataset.more === "1";
				if (grew && follow.checked)
					toEnd();
				fetched();
				tick();
				if (more)
					delay = 0;
				else if (state === "queued")
					delay = 3000;
			}).catch(lost).then(function () {
				if (more || !final(state))
					later(poll, delay);
				else
					say("finished: " + state, "");
			});
		}

		/* An old attempt's page, or a job that ended, stays still. */
		if (body.dataset.attempt !== body.dataset.last ||
		    final(state))
			return;
		label.className = "follow aside";
		follow.type = "checkbox";
		follow.id = "follow";
		/* Following the log is being at its end, as with tail -f. */
		follow.checked = nearEnd();
		label.appendChild(follow);
		label.appendChild(document.createTextNode(" follow the log"));
		if (h)
			h.appendChild(label);
		follow.addEventListener("change", function () {
			if (follow.checked)
				toEnd();
		});
		/* Reading further up stops following; the end resumes it. */
		window.addEventListener("scroll", function () {
			if (nearEnd())
				follow.checked = true;
			else if (window.scrollY < auto - 40)
				follow.checked = false;
		});
		poll();
	}

	syncClock(body.dataset.now);
	setInterval(tick, 1000);
	if (body.dataset.page === "index") {
		fetched();
		later(index, 5000);
	}
	else if (body.dataset.page === "job" && body.dataset.job)
		job();
}());

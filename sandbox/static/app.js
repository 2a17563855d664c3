// The sandbox's web chat: personas, private and group chats with the bot, inline buttons,
// documents and photos, right-to-left for Arabic. Talks only to /sandbox/api on this origin.
"use strict";

(function () {
  const API = "/sandbox/api";
  const STRINGS = {
    en: {
      personas: "Personas", name: "Name", create: "Create", chats: "Chats",
      groupTitle: "New group title", createGroup: "Create group", message: "Message",
      send: "Send", hint: "Create or pick a persona to start chatting with the bot.",
      edited: "edited", groupCreated: "created the group", typing: "typing…",
      botPrivate: "Private chat with", noCommands: "The bot has no commands yet.",
      file: "File", photo: "Photo", group: "group", bot: "bot",
      userId: "user id", copy: "Copy", copyId: "Copy the user id", copied: "Copied the user id",
    },
    ar: {
      personas: "الشخصيات", name: "الاسم", create: "إنشاء", chats: "المحادثات",
      groupTitle: "اسم المجموعة الجديدة", createGroup: "إنشاء مجموعة", message: "رسالة",
      send: "إرسال", hint: "أنشئ شخصية أو اخترها لتبدأ المحادثة مع البوت.",
      edited: "معدّلة", groupCreated: "أنشأ المجموعة", typing: "يكتب…",
      botPrivate: "محادثة خاصة مع", noCommands: "لا توجد أوامر بعد.",
      file: "ملف", photo: "صورة", group: "مجموعة", bot: "بوت",
      userId: "معرّف المستخدم", copy: "نسخ", copyId: "نسخ معرّف المستخدم", copied: "نُسخ معرّف المستخدم",
    },
  };

  const state = {
    bot: null,
    users: [],
    user: null,
    chats: [],
    chatId: null,
    lastSeq: 0,
    poll: null,
    toastTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  function t(key) {
    const lang = state.user && state.user.language_code === "ar" ? "ar" : "en";
    return (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key;
  }

  async function api(method, path, body, signal) {
    const options = { method, signal, headers: {} };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(API + path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.error || response.statusText);
    }
    return data;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // ---- formatting: Telegram entities to DOM, never HTML strings ---------------------------
  function safeUrl(url) {
    try {
      const parsed = new URL(url, window.location.href);
      if (["http:", "https:", "tg:", "mailto:"].includes(parsed.protocol)) return parsed.href;
    } catch (e) { /* not a URL */ }
    return null;
  }

  function entityElement(entity, text) {
    switch (entity.type) {
      case "bold": return el("b");
      case "italic": return el("i");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "spoiler": {
        const span = el("span", { className: "spoiler", title: "spoiler" });
        span.addEventListener("click", () => span.classList.add("revealed"));
        return span;
      }
      case "code": return el("code");
      case "pre": return el("pre", { "data-language": entity.language });
      case "blockquote":
      case "expandable_blockquote": return el("blockquote");
      case "text_link":
      case "url": {
        const href = safeUrl(entity.type === "url" ? text : entity.url);
        if (!href) return el("span");
        return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
      }
      case "bot_command": {
        const span = el("span", { className: "command", role: "button", tabindex: "0" });
        span.addEventListener("click", () => sendText(text));
        return span;
      }
      case "mention": return el("span", { className: "mention" });
      default: return el("span", { className: "entity-" + entity.type });
    }
  }

  function renderEntities(parent, text, entities, start, end) {
    let pos = start;
    let i = 0;
    while (i < entities.length) {
      const entity = entities[i];
      if (entity.offset < pos || entity.offset >= end) { i += 1; continue; }
      if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
      const entityEnd = Math.min(entity.offset + entity.length, end);
      const children = [];
      let j = i + 1;
      while (j < entities.length && entities[j].offset < entityEnd) {
        if (entities[j].offset + entities[j].length <= entityEnd) children.push(entities[j]);
        j += 1;
      }
      const node = entityElement(entity, text.slice(entity.offset, entityEnd));
      renderEntities(node, text, children, entity.offset, entityEnd);
      parent.append(node);
      pos = entityEnd;
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  }

  function formatted(text, entities, className) {
    const node = el("div", { className, dir: "auto" });
    const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
    renderEntities(node, text, sorted, 0, text.length);
    return node;
  }

  // ---- messages ---------------------------------------------------------------------------
  function humanSize(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function renderMessage(message) {
    const mine = !message.from_bot && state.user && message.from.id === state.user.id;
    const who = message.from_bot ? "bot" : "user";
    const bubble = el("div", {
      className: "message " + (message.from_bot ? "from-bot" : mine ? "from-me" : "from-other"),
      "data-testid": "message",
      "data-message-id": message.message_id,
      "data-from": who,
      "data-seq": message.seq,
      dir: "auto",
    });
    if (message.service && message.service.group_chat_created) {
      bubble.className = "message service";
      bubble.textContent = message.from.first_name + " " + t("groupCreated");
      return bubble;
    }
    if (state.chatId < 0 && !mine) {
      bubble.append(el("div", { className: "sender", text: message.from.first_name, dir: "auto" }));
    }
    if (message.photo) {
      bubble.append(el("img", {
        className: "photo", src: message.photo.url, alt: "photo", "data-testid": "message-photo",
        width: message.photo.width, height: message.photo.height,
      }));
    }
    if (message.document) {
      const name = message.document.file_name || "document";
      bubble.append(el("a", {
        className: "document", href: message.document.url, download: name,
        "data-testid": "message-document",
      }, [el("span", { className: "doc-icon", text: (name.includes(".") ? name.split(".").pop() : "file").slice(0, 4).toUpperCase() }),
          el("span", { className: "doc-name", text: name, dir: "auto" }),
          el("span", { className: "doc-size", text: humanSize(message.document.file_size || 0) })]));
    }
    if (message.text) {
      bubble.append(formatted(message.text, message.entities, "text"));
    } else if (message.caption) {
      bubble.append(formatted(message.caption, message.caption_entities, "text caption"));
    }
    const meta = el("div", { className: "meta" });
    if (message.edit_date) meta.append(el("span", { className: "edited", "data-testid": "edited", text: t("edited") }));
    meta.append(el("time", { text: new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
    bubble.append(meta);
    const keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
    if (keyboard && keyboard.length) {
      const board = el("div", { className: "inline-keyboard", "data-testid": "inline-keyboard" });
      for (const row of keyboard) {
        const line = el("div", { className: "row" });
        for (const button of row) line.append(inlineButton(message, button));
        board.append(line);
      }
      bubble.append(board);
    }
    return bubble;
  }

  function inlineButton(message, button) {
    if (button.url) {
      const href = safeUrl(button.url);
      return el("a", {
        className: "inline-button", href: href || "#", target: "_blank", rel: "noopener noreferrer",
        "data-testid": "inline-button", dir: "auto", text: button.text,
      });
    }
    const node = el("button", {
      type: "button", className: "inline-button", "data-testid": "inline-button",
      "data-callback-data": button.callback_data, dir: "auto", text: button.text,
      disabled: button.callback_data === undefined,
    });
    node.addEventListener("click", () => press(message.message_id, button.callback_data, node));
    return node;
  }

  function upsertMessage(message) {
    const box = $("messages");
    const existing = box.querySelector(`[data-message-id="${message.message_id}"]`);
    if (message.deleted) {
      if (existing) existing.remove();
      return;
    }
    const node = renderMessage(message);
    if (existing) {
      existing.replaceWith(node);
    } else {
      const hint = $("empty-hint");
      if (hint) hint.remove();
      const later = Array.from(box.querySelectorAll("[data-message-id]")).find(
        (other) => Number(other.dataset.messageId) > message.message_id);
      if (later) box.insertBefore(node, later); else box.append(node);
    }
  }

  function scrollToEnd() {
    const box = $("messages");
    box.scrollTop = box.scrollHeight;
  }

  function applyChatState(answer) {
    const action = answer.chat_action;
    $("chat-action").textContent = action === "typing" ? t("typing") : action ? action.replace(/_/g, " ") + "…" : "";
    const board = $("reply-keyboard");
    board.replaceChildren();
    const keyboard = answer.reply_keyboard && answer.reply_keyboard.keyboard;
    board.hidden = !keyboard || !keyboard.length;
    for (const row of keyboard || []) {
      const line = el("div", { className: "row" });
      for (const button of row) {
        line.append(el("button", {
          type: "button", className: "reply-button", "data-testid": "reply-button", dir: "auto",
          text: button.text, onclick: () => sendText(button.text),
        }));
      }
      board.append(line);
    }
  }

  // ---- polling ----------------------------------------------------------------------------
  function stopPolling() {
    if (state.poll) state.poll.abort();
    state.poll = null;
  }

  async function pollLoop(chatId, controller) {
    let failures = 0;
    while (!controller.signal.aborted && state.chatId === chatId) {
      try {
        const answer = await api("GET", `/chats/${chatId}/messages?after=${state.lastSeq}&wait=25`, undefined, controller.signal);
        if (controller.signal.aborted || state.chatId !== chatId) return;
        for (const message of answer.messages) upsertMessage(message);
        if (answer.messages.length) scrollToEnd();
        state.lastSeq = Math.max(state.lastSeq, answer.last_seq);
        applyChatState(answer);
        setConnection("live");
        failures = 0;
      } catch (error) {
        if (controller.signal.aborted) return;
        failures += 1;
        setConnection("offline");
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * failures)));
      }
    }
  }

  function setConnection(value) {
    $("connection").dataset.state = value;
    $("connection").title = value;
  }

  // ---- actions ----------------------------------------------------------------------------
  async function openChat(chatId) {
    stopPolling();
    state.chatId = chatId;
    const chat = state.chats.find((c) => c.id === chatId);
    $("chat-title").textContent = chat && chat.type === "group"
      ? chat.title
      : t("botPrivate") + " " + (state.bot ? state.bot.first_name : "");
    $("chat-title").dataset.chatId = chatId;
    for (const item of document.querySelectorAll("#chat-list [data-chat-id]")) {
      item.classList.toggle("active", Number(item.dataset.chatId) === chatId);
    }
    $("messages").replaceChildren();
    $("composer").hidden = false;
    const answer = await api("GET", `/chats/${chatId}/messages`);
    if (state.chatId !== chatId) return;
    for (const message of answer.messages) upsertMessage(message);
    scrollToEnd();
    state.lastSeq = answer.last_seq;
    applyChatState(answer);
    const controller = new AbortController();
    state.poll = controller;
    pollLoop(chatId, controller);
    $("message-input").focus();
  }

  async function sendText(text) {
    if (!state.user || state.chatId === null) return;
    const value = text.trim();
    if (!value) return;
    try {
      const message = await api("POST", `/chats/${state.chatId}/messages`, { from_id: state.user.id, text: value });
      upsertMessage(message);
      scrollToEnd();
    } catch (error) {
      showToast(error.message, true);
    }
  }

  async function sendFromComposer(event) {
    event.preventDefault();
    const input = $("message-input");
    const documentFile = $("document-input").files[0];
    const photoFile = $("photo-input").files[0];
    const file = documentFile || photoFile;
    if (file) {
      const form = new FormData();
      form.append("from_id", String(state.user.id));
      if (input.value.trim()) form.append("caption", input.value.trim());
      form.append(documentFile ? "document" : "photo", file, file.name);
      try {
        const message = await api("POST", `/chats/${state.chatId}/messages`, form);
        upsertMessage(message);
        scrollToEnd();
        input.value = "";
        clearAttachment();
      } catch (error) {
        showToast(error.message, true);
      }
      return;
    }
    const text = input.value;
    input.value = "";
    await sendText(text);
  }

  function clearAttachment() {
    $("document-input").value = "";
    $("photo-input").value = "";
    $("attachment").textContent = "";
  }

  function showAttachment(event) {
    const other = event.target.id === "document-input" ? $("photo-input") : $("document-input");
    other.value = "";
    const file = event.target.files[0];
    $("attachment").textContent = file ? file.name : "";
  }

  async function press(messageId, data, button) {
    button.classList.add("pressed");
    try {
      const query = await api("POST", `/chats/${state.chatId}/callbacks`, {
        from_id: state.user.id, message_id: messageId, callback_data: data,
      });
      const answer = await api("GET", `/callbacks/${query.callback_query_id}?wait=10`);
      if (answer.answered && answer.text) showToast(answer.text, answer.show_alert);
    } catch (error) {
      showToast(error.message, true);
    } finally {
      button.classList.remove("pressed");
    }
  }

  function showToast(text, alert) {
    const toast = $("toast");
    toast.textContent = text;
    toast.dir = "auto";
    toast.dataset.alert = alert ? "true" : "false";
    toast.hidden = false;
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(() => { toast.hidden = true; }, alert ? 8000 : 4000);
  }

  async function toggleCommands() {
    const menu = $("commands-menu");
    if (!menu.hidden) { menu.hidden = true; return; }
    const language = state.user ? state.user.language_code : "";
    const commands = await api("GET", `/chats/${state.chatId}/commands?language_code=${encodeURIComponent(language)}`);
    menu.replaceChildren();
    if (!commands.length) menu.append(el("div", { className: "muted", text: t("noCommands") }));
    for (const command of commands) {
      menu.append(el("button", {
        type: "button", className: "command-item", "data-testid": "command-item", dir: "auto",
        onclick: () => { menu.hidden = true; sendText("/" + command.command); },
      }, [el("b", { text: "/" + command.command }), " ", el("span", { text: command.description })]));
    }
    menu.hidden = false;
  }

  // ---- personas and chats -----------------------------------------------------------------
  function applyLanguage() {
    const arabic = state.user && state.user.language_code === "ar";
    document.documentElement.dir = arabic ? "rtl" : "ltr";
    document.documentElement.lang = arabic ? "ar" : "en";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    }
  }

  function renderUsers() {
    const list = $("persona-list");
    list.replaceChildren();
    for (const user of state.users) {
      const active = state.user && state.user.id === user.id;
      // The id is what `majlis admin grant` and granting a role in chat ask for.
      list.append(el("li", { className: "persona-row", "data-testid": "persona-row" }, [
        el("button", {
          type: "button", className: "persona" + (active ? " active" : ""), "data-testid": "persona",
          "data-user-id": user.id, "data-language": user.language_code, dir: "auto",
          onclick: () => selectUser(user.id),
        }, [el("span", { text: user.first_name }), el("small", { text: user.language_code })]),
        el("span", { className: "user-id" }, [
          el("small", { text: t("userId") + " " }),
          el("code", { text: String(user.id), dir: "ltr", "data-testid": "persona-id" }),
          el("button", {
            type: "button", className: "copy", "data-testid": "copy-id", title: t("copyId"),
            "aria-label": t("copyId"), text: t("copy"), onclick: () => copyId(user.id),
          }),
        ]),
      ]));
    }
    const members = $("group-members");
    members.replaceChildren();
    for (const user of state.users) {
      const self = state.user && user.id === state.user.id;
      members.append(el("label", { className: "member", dir: "auto" }, [
        el("input", { type: "checkbox", value: user.id, "data-testid": "group-member", checked: self, disabled: self }),
        " " + user.first_name,
      ]));
    }
  }

  async function copyId(userId) {
    const text = String(userId);
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      // Without clipboard permission (plain http on another host): select and copy.
      const field = el("textarea", { readonly: true });
      field.value = text;
      document.body.append(field);
      field.select();
      document.execCommand("copy");
      field.remove();
    }
    showToast(`${t("copied")}: ${text}`, false);
  }

  async function loadUsers() {
    state.users = await api("GET", "/users");
    renderUsers();
  }

  async function loadChats() {
    if (!state.user) return;
    state.chats = await api("GET", `/chats?user_id=${state.user.id}`);
    const list = $("chat-list");
    list.replaceChildren();
    for (const chat of state.chats) {
      const title = chat.type === "group" ? chat.title : (state.bot ? state.bot.first_name : "Bot");
      list.append(el("li", {}, [el("button", {
        type: "button", className: "chat-item" + (chat.id === state.chatId ? " active" : ""),
        "data-testid": "chat", "data-chat-id": chat.id, "data-chat-type": chat.type, dir: "auto",
        onclick: () => openChat(chat.id),
      }, [el("span", { text: title, dir: "auto" }),
          el("small", { className: "badge", text: chat.type === "group" ? t("group") : t("bot") })])]));
    }
  }

  async function selectUser(userId) {
    const user = state.users.find((u) => u.id === userId);
    if (!user) return;
    state.user = user;
    try { localStorage.setItem("majlis-sandbox-user", String(userId)); } catch (e) { /* private mode */ }
    $("current-persona").textContent = user.first_name;
    $("current-persona").dataset.userId = user.id;
    $("current-persona-id").textContent = String(user.id);
    applyLanguage();
    renderUsers();
    $("chat-section").hidden = false;
    await loadChats();
    await openChat(user.id);
  }

  async function createPersona(event) {
    event.preventDefault();
    const name = $("persona-name").value.trim();
    if (!name) return;
    try {
      const user = await api("POST", "/users", { first_name: name, language_code: $("persona-language").value });
      $("persona-name").value = "";
      await loadUsers();
      await selectUser(user.id);
    } catch (error) {
      showToast(error.message, true);
    }
  }

  async function createGroup(event) {
    event.preventDefault();
    const title = $("group-title").value.trim();
    if (!title || !state.user) return;
    const ids = [state.user.id];
    for (const box of document.querySelectorAll("#group-members input:checked")) {
      const id = Number(box.value);
      if (!ids.includes(id)) ids.push(id);
    }
    try {
      const group = await api("POST", "/groups", { title, member_ids: ids });
      $("group-title").value = "";
      await loadChats();
      await openChat(group.id);
    } catch (error) {
      showToast(error.message, true);
    }
  }

  async function start() {
    $("persona-form").addEventListener("submit", createPersona);
    $("group-form").addEventListener("submit", createGroup);
    $("composer").addEventListener("submit", sendFromComposer);
    $("document-input").addEventListener("change", showAttachment);
    $("photo-input").addEventListener("change", showAttachment);
    $("commands-button").addEventListener("click", toggleCommands);
    $("message-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    try {
      const info = await api("GET", "/info");
      state.bot = info.bot;
      $("bot-name").textContent = info.bot.first_name + " · @" + info.bot.username;
      setConnection("live");
    } catch (error) {
      setConnection("offline");
    }
    await loadUsers();
    const wanted = Number(new URLSearchParams(window.location.search).get("user")) ||
      Number((() => { try { return localStorage.getItem("majlis-sandbox-user"); } catch (e) { return null; } })());
    if (wanted && state.users.some((u) => u.id === wanted)) await selectUser(wanted);
    document.body.dataset.ready = "true";
  }

  start();
})();

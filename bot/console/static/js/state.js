/* What the page remembers between events, shared by the modules. */

export const state = {
  agent: null,
  troubles: {}, // pollers in network trouble, by name
  queued: [],
  mine: [],
  listSig: "",
  selectedId: null, // a string, or null
  selected: null, // the last handoff seen for the selected chat
  convStatus: "",
  lastIndex: -1,
  seen: {},
  drafts: {},
  sending: false,
  summarySig: "",
  ticketDirty: false,
  fields: null, // the ticket form's fields (api/ticket-fields), once loaded
  ticketNo: null,
  searchToken: 0,
  detailToken: 0,
  lastActivity: 0,
};

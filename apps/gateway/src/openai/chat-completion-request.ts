/**
 * How an OpenAI chat completion request maps onto a session turn (docs/openai-api.md): what is honoured, what is
 * refused with a 400 naming the parameter, and which text becomes the turn's user message. Pure: the controller
 * that serves `POST /v1/chat/completions` calls it before anything is posted.
 */

/** An OpenAI-shaped error body: `{error: {message, type, param, code}}`, `code` one of our error codes. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export function openAiError(
  code: string,
  message: string,
  param: string | null = null,
  type = 'invalid_request_error',
): OpenAiErrorBody {
  return { error: { message, type, param, code } };
}

/** What the turn is built from once the request passed. */
export interface ChatCompletionTurn {
  model: string;
  /** The text posted as the session's user message. */
  content: string;
  stream: boolean;
  includeUsage: boolean;
  /** Names of our registry's tools the client offered (null: none named, the profile's); run server-side. */
  tools: string[] | null;
  toolChoice: 'auto' | 'none' | 'required';
  /** The session to continue (body field `conversation`); the header X-Soma-Session-Id wins over it. */
  conversation: string | null;
}

export type ChatCompletionParse =
  { ok: true; turn: ChatCompletionTurn } | { ok: false; body: OpenAiErrorBody };

/** Parameters accepted and ignored: they change nothing a client can observe of one choice. */
const IGNORED = new Set(['user', 'metadata', 'store', 'parallel_tool_calls', 'service_tier', 'seed']);
/** Parameters we do not serve: refused, never silently dropped (sampling lives in the model profile). */
const REFUSED = new Set([
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'response_format',
  'audio',
  'modalities',
  'prediction',
  'functions',
  'function_call',
  'temperature',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'reasoning_effort',
  'web_search_options',
]);
const KNOWN = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'tools',
  'tool_choice',
  'conversation',
]);

function refuse(param: string, message: string): ChatCompletionParse {
  return { ok: false, body: openAiError('PARAMETER_UNSUPPORTED', message, param) };
}

function invalid(param: string, message: string): ChatCompletionParse {
  return { ok: false, body: openAiError('VALIDATION_FAILED', message, param) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text of a user message: a string, or the `text` parts of a content array (any other part is refused). */
function userText(content: unknown, param: string): string | ChatCompletionParse {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return invalid(param, `${param} must be a string or an array of text parts`);
  const texts: string[] = [];
  for (const [i, part] of content.entries()) {
    if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string')
      return refuse(`${param}[${i}]`, 'only text content parts are supported');
    texts.push(part.text);
  }
  return texts.join('\n');
}

function toolNames(tools: unknown): string[] | ChatCompletionParse {
  if (!Array.isArray(tools) || tools.length === 0) return invalid('tools', 'tools must be a non-empty array');
  const names: string[] = [];
  for (const [i, tool] of tools.entries()) {
    const fn = isRecord(tool) && tool.type === 'function' && isRecord(tool.function) ? tool.function : null;
    if (fn === null || typeof fn.name !== 'string')
      return invalid(`tools[${i}]`, 'each tool must be {type: "function", function: {name}}');
    names.push(fn.name);
  }
  return names;
}

/**
 * `auto` / `none` / `required`, or one named function (`{type: "function", function: {name}}`): that tool is
 * required, and it must be one of `tools` when the request offers some.
 */
function toolChoice(
  choice: unknown,
  tools: string[] | null,
): [ChatCompletionTurn['toolChoice'], string[] | null] | ChatCompletionParse {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return [choice, tools];
  const fn =
    isRecord(choice) && choice.type === 'function' && isRecord(choice.function) ? choice.function : null;
  if (fn === null || typeof fn.name !== 'string')
    return refuse(
      'tool_choice',
      'tool_choice must be auto, none, required or {type: "function", function: {name}}',
    );
  if (tools !== null && !tools.includes(fn.name))
    return invalid('tool_choice', `tool_choice names ${fn.name}, which is not one of tools`);
  return ['required', [fn.name]];
}

/**
 * Checks the body and picks the turn's message: the last message must be the user's, and only it is posted (the
 * session holds the history; earlier messages of the request are not replayed into it).
 */
export function parseChatCompletion(body: unknown): ChatCompletionParse {
  if (!isRecord(body)) return invalid('body', 'the body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (REFUSED.has(key)) return refuse(key, `${key} is not supported by this server`);
    if (!KNOWN.has(key) && !IGNORED.has(key)) return refuse(key, `unknown parameter ${key}`);
  }
  if (typeof body.model !== 'string' || body.model === '') return invalid('model', 'model must be a string');
  if (body.n !== undefined && body.n !== null && body.n !== 1) return refuse('n', 'only n = 1 is supported');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean')
    return invalid('stream', 'stream must be a boolean');
  const stream = body.stream === true;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isRecord(body.stream_options)) return invalid('stream_options', 'stream_options must be an object');
    includeUsage = body.stream_options.include_usage === true;
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return invalid('messages', 'messages must be a non-empty array');
  const lastIndex = messages.length - 1;
  const last: unknown = messages[lastIndex];
  if (!isRecord(last) || last.role !== 'user')
    return refuse(`messages[${lastIndex}]`, 'the last message must be a user message');
  const content = userText(last.content, `messages[${lastIndex}].content`);
  if (typeof content !== 'string') return content;
  if (content.trim() === '') return invalid(`messages[${lastIndex}].content`, 'the user message is empty');
  const tools = body.tools === undefined || body.tools === null ? null : toolNames(body.tools);
  if (tools !== null && !Array.isArray(tools)) return tools;
  const chosen = toolChoice(body.tool_choice ?? 'auto', tools);
  if (!Array.isArray(chosen)) return chosen;
  const [choice, offered] = chosen;
  const conversation = body.conversation ?? null;
  if (conversation !== null && typeof conversation !== 'string')
    return invalid('conversation', 'conversation must be a session id');
  return {
    ok: true,
    turn: {
      model: body.model,
      content,
      stream,
      includeUsage,
      tools: offered,
      toolChoice: choice,
      conversation,
    },
  };
}

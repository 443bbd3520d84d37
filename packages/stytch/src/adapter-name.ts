/** The adapter's name, in every `SessionTokenError` it raises (`error.adapter`). */
export const ADAPTER_NAME = 'stytch';

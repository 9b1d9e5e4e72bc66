/** The `Authorization` header value that carries the shared service token. */
export const bearer = (token: string): string => `Bearer ${token}`;

/** Calls the admin API with the bearer token; `token: null` sends none. */
export function adminCall(
  target: { url: string; adminToken: string },
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  token: string | null = target.adminToken,
) {
  return fetch(`${target.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Polls `read` every 100 ms until `done` holds, at most `tries` times; returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  tries = 200,
): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < tries && !done(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

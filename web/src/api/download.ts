// Files behind the API's auth (documents, photos, CSV) cannot be plain links: the access
// token lives in memory, not in a cookie. Fetch them with it and hand the browser a blob.
import { ApiError, type Problem } from "./problem";
import { session } from "../auth/session";

export async function fetchBlob(path: string): Promise<Blob> {
  const call = (token: string | null) =>
    fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const sent = session.accessToken();
  let response = await call(sent);
  if (response.status === 401) {
    const token = await session.refresh(sent);
    if (!token) session.expire();
    else response = await call(token);
  }
  if (!response.ok) {
    throw new ApiError(response.status, (await response.json().catch(() => ({}))) as Problem);
  }
  return response.blob();
}

export async function downloadFile(path: string, filename: string): Promise<void> {
  const url = URL.createObjectURL(await fetchBlob(path));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => { URL.revokeObjectURL(url); }, 10_000);
}

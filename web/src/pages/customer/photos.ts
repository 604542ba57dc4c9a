// Photos of the job, sent after the request exists: POST /requests/{id}/attachments takes
// one image as base64 JSON per call, so one photo failing does not lose the others; the
// same photo sent twice is kept once, so a retry after a lost answer adds nothing.
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];
export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

export type PhotoRefusal = { key: "photoType" | "photoSize"; name: string };

export function isPhotoType(type: string): type is PhotoType {
  return (PHOTO_TYPES as readonly string[]).includes(type);
}

/** The chosen files split into those the API takes and why the others cannot go. */
export function checkPhotos(files: readonly File[]): { accepted: File[]; refused: PhotoRefusal[] } {
  const accepted: File[] = [];
  const refused: PhotoRefusal[] = [];
  for (const file of files) {
    if (!isPhotoType(file.type)) refused.push({ key: "photoType", name: file.name });
    else if (file.size > PHOTO_MAX_BYTES) refused.push({ key: "photoSize", name: file.name });
    else accepted.push(file);
  }
  return { accepted, refused };
}

export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === "string" ? reader.result : "";
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => {
      reject(reader.error ?? new Error("the file could not be read"));
    };
    reader.readAsDataURL(file);
  });
}

export async function uploadPhoto(requestId: string, file: File): Promise<void> {
  if (!isPhotoType(file.type)) throw new Error(`not an image the API takes: ${file.type}`);
  const body = { content_type: file.type, content_base64: await readBase64(file), caption: "" };
  unwrap(await api.POST("/requests/{request_id}/attachments", { params: { path: { request_id: requestId } }, body }));
}

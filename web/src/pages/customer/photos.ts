// Photos of the job, sent after the request exists: POST /requests/{id}/attachments takes
// one image as base64 JSON per call, so one photo failing does not lose the others.
import type { Client } from "openapi-fetch";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";

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

// The upload route's shape, until src/api/schema.d.ts is regenerated with it.
interface UploadPaths {
  "/requests/{request_id}/attachments": {
    post: {
      parameters: { path: { request_id: string } };
      requestBody: { content: { "application/json": { content_type: PhotoType; content_base64: string; caption?: string } } };
      responses: { 201: { content: { "application/json": components["schemas"]["AttachmentPublic"] } } };
    };
  };
}
const uploads = api as unknown as Client<UploadPaths>;

export async function uploadPhoto(requestId: string, file: File): Promise<void> {
  if (!isPhotoType(file.type)) throw new Error(`not an image the API takes: ${file.type}`);
  const body = { content_type: file.type, content_base64: await readBase64(file) };
  unwrap(await uploads.POST("/requests/{request_id}/attachments", { params: { path: { request_id: requestId } }, body }));
}

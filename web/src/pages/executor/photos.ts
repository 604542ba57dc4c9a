// Photos of the finished work: read into base64 when picked (so they can wait in
// IndexedDB without the original file), sent one by one before the complete call.
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];
/** The API's limit for one image. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export interface PhotoFile {
  name: string;
  contentType: PhotoType;
  size: number;
  base64: string;
}

type Attachment = components["schemas"]["AttachmentPublic"];

interface PhotoBody {
  content_type: PhotoType;
  content_base64: string;
}

// The upload route is typed by hand until the generated schema has it; the call still
// goes through the shared client for its token and refresh.
interface PhotoUploader {
  POST(
    path: "/requests/{request_id}/attachments",
    init: { params: { path: { request_id: string }; header: { "Idempotency-Key": string } }; body: PhotoBody },
  ): Promise<{ data?: Attachment; error?: unknown; response: Response }>;
}

export function isPhotoType(type: string): type is PhotoType {
  return (PHOTO_TYPES as readonly string[]).includes(type);
}

export function readPhoto(file: File, contentType: PhotoType): Promise<PhotoFile> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === "string" ? reader.result : "";
      resolve({ name: file.name, contentType, size: file.size, base64: url.slice(url.indexOf(",") + 1) });
    };
    reader.onerror = () => {
      reject(reader.error ?? new Error("the photo could not be read"));
    };
    reader.readAsDataURL(file);
  });
}

export async function uploadPhoto(requestId: string, photo: PhotoFile, idempotencyKey: string): Promise<Attachment> {
  const uploader = api as unknown as PhotoUploader;
  return unwrap(
    await uploader.POST("/requests/{request_id}/attachments", {
      params: { path: { request_id: requestId }, header: { "Idempotency-Key": idempotencyKey } },
      body: { content_type: photo.contentType, content_base64: photo.base64 },
    }),
  );
}

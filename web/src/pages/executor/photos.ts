// Photos of the finished work: read into base64 when picked (so they can wait in
// IndexedDB without the original file), sent one by one before the complete call.
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";

export const PHOTO_TYPES: readonly PhotoType[] = ["image/jpeg", "image/png", "image/webp"];
/** The API's limit for one image. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export interface PhotoFile {
  name: string;
  contentType: PhotoType;
  size: number;
  base64: string;
}

type Attachment = components["schemas"]["AttachmentPublic"];
export type PhotoType = components["schemas"]["PhotoIn"]["content_type"];

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

/** The API keeps the same photo once, so sending it again after a lost answer is safe. */
export async function uploadPhoto(requestId: string, photo: PhotoFile): Promise<Attachment> {
  return unwrap(
    await api.POST("/requests/{request_id}/attachments", {
      params: { path: { request_id: requestId } },
      body: { content_type: photo.contentType, content_base64: photo.base64, caption: "" },
    }),
  );
}

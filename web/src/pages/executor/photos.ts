// Photos of the finished work: read into base64 when picked (so they can wait in
// IndexedDB without the original file), sent one by one before the complete call. The
// checks and reading are the customer's photo helpers; the upload here takes the bytes
// already read, since a queued photo no longer has its file.
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { readBase64, type PhotoType } from "../customer/photos";

export { checkPhotos, isPhotoType } from "../customer/photos";

export interface PhotoFile {
  name: string;
  contentType: PhotoType;
  size: number;
  base64: string;
}

type Attachment = components["schemas"]["AttachmentPublic"];

export async function readPhoto(file: File, contentType: PhotoType): Promise<PhotoFile> {
  return { name: file.name, contentType, size: file.size, base64: await readBase64(file) };
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

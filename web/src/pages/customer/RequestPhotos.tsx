import BrokenImageIcon from "@mui/icons-material/BrokenImage";
import Box from "@mui/material/Box";
import ButtonBase from "@mui/material/ButtonBase";
import Dialog from "@mui/material/Dialog";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Skeleton from "@mui/material/Skeleton";
import Typography from "@mui/material/Typography";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { fetchBlob } from "../../api/download";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemAlert } from "../../feedback/ProblemAlert";

type Attachment = components["schemas"]["AttachmentPublic"];

export function attachmentsKey(requestId: string) {
  return ["attachments", requestId] as const;
}

/** The request's photos as thumbnails; each opens larger. Images need the access token, so
 * they are fetched as blobs and shown through object URLs, revoked when they go. */
export function RequestPhotos({ requestId }: { requestId: string }) {
  const { t } = useTranslation("customer");
  const [open, setOpen] = useState<{ url: string; n: number } | null>(null);
  const query = useQuery({
    queryKey: attachmentsKey(requestId),
    queryFn: async () => unwrap(await api.GET("/requests/{request_id}/attachments", { params: { path: { request_id: requestId } } })),
  });
  const photos = (query.data ?? []).filter((a) => a.content_type.startsWith("image/"));

  if (query.isPending) return <Skeleton variant="rectangular" height={96} />;
  if (query.isError) return <ProblemAlert error={query.error} />;
  if (photos.length === 0) return <Typography color="text.secondary">{t("request.noPhotos")}</Typography>;
  return (
    <>
      <Box component="ul" sx={{ display: "flex", flexWrap: "wrap", gap: 1, listStyle: "none", m: 0, p: 0 }}>
        {photos.map((photo, index) => (
          <li key={photo.id}>
            <Thumbnail requestId={requestId} photo={photo} n={index + 1} onOpen={(url) => { setOpen({ url, n: index + 1 }); }} />
          </li>
        ))}
      </Box>
      <Dialog open={open !== null} onClose={() => { setOpen(null); }} maxWidth="lg" aria-labelledby="photo-dialog-title">
        {open && (
          <>
            <DialogTitle id="photo-dialog-title">{t("request.photoAlt", { n: open.n })}</DialogTitle>
            <DialogContent>
              <Box component="img" src={open.url} alt={t("request.photoAlt", { n: open.n })} sx={{ maxWidth: "100%", maxHeight: "75vh", display: "block" }} />
            </DialogContent>
          </>
        )}
      </Dialog>
    </>
  );
}

function Thumbnail({ requestId, photo, n, onOpen }: { requestId: string; photo: Attachment; n: number; onOpen: (url: string) => void }) {
  const { t } = useTranslation("customer");
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    let made: string | null = null;
    fetchBlob(`/requests/${requestId}/attachments/${photo.id}`).then(
      (blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
      },
      () => {
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [requestId, photo.id]);

  const alt = photo.caption || t("request.photoAlt", { n });
  const box = { width: 112, height: 112, borderRadius: 1, overflow: "hidden" };
  if (failed) {
    return (
      <Box sx={{ ...box, display: "flex", alignItems: "center", justifyContent: "center", bgcolor: "action.hover" }} role="img" aria-label={t("request.photoFailed")}>
        <BrokenImageIcon color="disabled" />
      </Box>
    );
  }
  if (!url) return <Skeleton variant="rectangular" sx={box} />;
  return (
    <ButtonBase onClick={() => { onOpen(url); }} aria-label={t("request.photoOpen", { n })} sx={{ ...box, "&:focus-visible": { outline: 3, outlineColor: "primary.main" } }}>
      <Box component="img" src={url} alt={alt} sx={{ width: "100%", height: "100%", objectFit: "cover" }} />
    </ButtonBase>
  );
}

import Box from "@mui/material/Box";
import Skeleton from "@mui/material/Skeleton";
import Typography from "@mui/material/Typography";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { fetchBlob } from "../../api/download";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { useAttachments, type Attachment } from "./queueApi";

function Thumbnail({ requestId, attachment }: { requestId: string; attachment: Attachment }) {
  const { t } = useTranslation("manager");
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    // The photo needs the access token, so it cannot be a plain <img src>.
    let live = true;
    let url: string | null = null;
    fetchBlob(`/requests/${requestId}/attachments/${attachment.id}`).then(
      (blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setSrc(url);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [requestId, attachment.id]);

  const label = t("drawer.attachment", { caption: attachment.caption || attachment.kind });
  if (error) return <ProblemAlert error={error} />;
  if (!src) return <Skeleton variant="rectangular" width={120} height={90} aria-label={label} />;
  return (
    <Box component="a" href={src} target="_blank" rel="noopener" sx={{ display: "block", lineHeight: 0 }}>
      <Box component="img" src={src} alt={label} sx={{ width: 120, height: 90, objectFit: "cover", borderRadius: 1 }} />
    </Box>
  );
}

export function Attachments({ requestId }: { requestId: string }) {
  const { t } = useTranslation("manager");
  const attachments = useAttachments(requestId);
  if (attachments.error) return <ProblemAlert error={attachments.error} />;
  if (!attachments.data) return <Skeleton variant="rectangular" height={90} />;
  if (attachments.data.length === 0) return <Typography variant="body2" color="text.secondary">{t("drawer.noAttachments")}</Typography>;
  return (
    <Box component="ul" sx={{ display: "flex", flexWrap: "wrap", gap: 1, listStyle: "none", p: 0, m: 0 }}>
      {attachments.data.map((a) => (
        <li key={a.id}>
          <Thumbnail requestId={requestId} attachment={a} />
        </li>
      ))}
    </Box>
  );
}

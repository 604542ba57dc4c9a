import DownloadIcon from "@mui/icons-material/Download";
import IconButton from "@mui/material/IconButton";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Skeleton from "@mui/material/Skeleton";
import Typography from "@mui/material/Typography";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { downloadFile } from "../../api/download";
import { unwrap } from "../../api/problem";
import { ProblemAlert } from "../../feedback/ProblemAlert";
import { notices } from "../../feedback/notices";
import { useFormats } from "../../format";

export function documentsKey(requestId: string) {
  return ["documents", requestId] as const;
}

/** The request's documents (contract, act) as PDF downloads. */
export function RequestDocuments({ requestId }: { requestId: string }) {
  const { t } = useTranslation("customer");
  const formats = useFormats();
  const query = useQuery({
    queryKey: documentsKey(requestId),
    queryFn: async () => unwrap(await api.GET("/requests/{request_id}/documents", { params: { path: { request_id: requestId } } })),
  });

  if (query.isPending) return <Skeleton variant="text" height={48} />;
  if (query.isError) return <ProblemAlert error={query.error} />;
  if (query.data.length === 0) return <Typography color="text.secondary">{t("request.noDocuments")}</Typography>;
  return (
    <List disablePadding>
      {query.data.map((document) => (
        <ListItem
          key={document.id}
          disableGutters
          secondaryAction={
            <IconButton
              edge="end"
              aria-label={t("request.download", { name: document.file_name })}
              onClick={() => { downloadFile(document.download_url, document.file_name).catch((error: unknown) => { notices.error(error); }); }}
            >
              <DownloadIcon />
            </IconButton>
          }
        >
          <ListItemText
            primary={t(`request.documentKind.${document.kind}`)}
            secondary={t("request.documentLine", { number: document.number, date: formats.moment(document.created_at), size: formats.size(document.size) })}
          />
        </ListItem>
      ))}
    </List>
  );
}

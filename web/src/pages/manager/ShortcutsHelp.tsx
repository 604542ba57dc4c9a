import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

const ROWS = [
  { keys: ["j", "↓", "k", "↑"], does: "move" },
  { keys: ["Enter"], does: "openRequest" },
  { keys: ["Esc"], does: "closeRequest" },
  { keys: ["a"], does: "assign" },
  { keys: ["r"], does: "resolve" },
  { keys: ["w"], does: "withdraw" },
  { keys: ["c"], does: "cancel" },
  { keys: ["/"], does: "filters" },
  { keys: ["g", "q"], does: "queue" },
  { keys: ["?"], does: "help" },
] as const;

function Key({ children }: { children: string }) {
  return (
    <Box
      component="kbd"
      sx={{ px: 0.75, py: 0.25, mr: 0.5, border: 1, borderColor: "divider", borderRadius: 1, fontFamily: "monospace", fontSize: "0.85rem", bgcolor: "action.hover" }}
    >
      {children}
    </Box>
  );
}

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("manager");
  const { t: tc } = useTranslation();
  return (
    <Dialog open onClose={onClose} aria-labelledby="shortcuts-title">
      <DialogTitle id="shortcuts-title">{t("shortcuts.title")}</DialogTitle>
      <DialogContent>
        <Table size="small" aria-labelledby="shortcuts-title">
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">{t("shortcuts.keys")}</TableCell>
              <TableCell component="th" scope="col">{t("shortcuts.does")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {ROWS.map((row) => (
              <TableRow key={row.does}>
                <TableCell>
                  {row.keys.map((k) => (
                    <Key key={k}>{k}</Key>
                  ))}
                </TableCell>
                <TableCell>{t(`shortcuts.${row.does}`)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
          {t("shortcuts.note")}
        </Typography>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} autoFocus>
          {tc("common.close")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

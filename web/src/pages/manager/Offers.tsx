// The request's automatic offer cascade, offer by offer: to whom, what became of it and
// when, so a dispatcher sees who has already said no before choosing someone by hand.
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Skeleton from "@mui/material/Skeleton";
import Typography from "@mui/material/Typography";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../feedback/ProblemAlert";
import { useOffers, type Offer } from "./queueApi";

export function Offers({ requestId }: { requestId: string }) {
  const { t, i18n } = useTranslation("manager");
  const offers = useOffers(requestId);
  if (offers.error) return <ProblemAlert error={offers.error} />;
  if (!offers.data) return <Skeleton variant="rectangular" height={60} />;
  if (offers.data.offers.length === 0) return <Typography variant="body2" color="text.secondary">{t("drawer.noOffers")}</Typography>;

  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  const name = (o: Offer) => o.full_name || t("unknownExecutor", { id: o.executor_id.slice(0, 8) });
  const secondary = (o: Offer) => {
    const parts = [t("offers.sent", { time: when(o.sent_at) })];
    // Only an open offer's expiry matters; a closed one has its answer time instead.
    if (o.status === "sent") parts.push(t("offers.expires", { time: when(o.expires_at) }));
    if (o.answered_at) parts.push(t("offers.answered", { time: when(o.answered_at) }));
    if (o.reason) parts.push(t("offers.reason", { reason: o.reason }));
    return parts.join(" · ");
  };
  return (
    <List dense disablePadding aria-labelledby="drawer-offers" data-testid="offers">
      {[...offers.data.offers]
        .sort((a, b) => a.offer_no - b.offer_no)
        .map((o) => (
          <ListItem key={o.offer_no} disableGutters>
            <ListItemText
              primary={t("offers.line", { no: o.offer_no, name: name(o), status: t(`offers.status.${o.status}`) })}
              secondary={secondary(o)}
            />
          </ListItem>
        ))}
    </List>
  );
}

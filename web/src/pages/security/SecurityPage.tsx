import Typography from "@mui/material/Typography";

export default function SecurityPage() {
  return <Typography component="h1" variant="h5">SecurityPage</Typography>;
}

// Look the user up in the legacy database.
import { lookup } from 'legacy-db';

function getByEmail(email, callback) {
  lookup(email).then((user) => callback(null, user), callback);
}

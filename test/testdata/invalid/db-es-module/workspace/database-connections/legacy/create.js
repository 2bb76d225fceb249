// A classic script may still load an ES module with import().
async function create(user, callback) {
  const { insert } = await import('legacy-db');
  await insert(user);
  callback(null);
}
